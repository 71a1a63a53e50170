"""The fidelity contract (test_fidelity.py) on real code: pure-Python modules of the standard
library of the interpreter under test, copied at test time (never committed) next to a driver
program in tests/stdlib/ under new names (`functools` as `pyfunctools`, ...), so that their
frames are inside the directory both the export and the reference tracer report, and their C
accelerators are blocked by the driver where they exist. They exercise the purity rules and the
value capture on code nobody wrote for Reel:
- functools_json.py: lru_cache's wrapper (a lock, `nonlocal` state, an int-keyed cache,
  `f(*args, **kwargs)`), update_wrapper renaming a bound function, the JSON encoder's
  `yield from` chain over closures, and the decoder;
- parsers_numbers.py: tomllib, difflib, fractions, heapq and bisect without `_heapq`/`_bisect`,
  dataclasses;
- config_files.py: configparser (3.13's reader: str-subclass lines made through
  `map(functools.partial(...), fp)`, a cached_property, tuple-keyed re cache);
- text_formats.py: urllib.parse, email's header parser, html.unescape (re.sub calling traced
  code), textwrap, shlex, string.Template;
- collections_copy.py (session 25): collections without `_collections` (OrderedDict's linked
  list of slotted links behind weakref proxies, namedtuple classes made by exec, Counter,
  ChainMap, UserDict/UserList), copy.copy through __copy__/__reduce_ex__, graphlib, reprlib,
  with dunders that count their calls (a recorder calling them would change the output);
- archives_codecs.py (session 27): tarfile writing and reading an in-memory archive (PAX
  headers), plistlib's XML writer and its XML and binary readers (not the binary writer: its
  object table is keyed by id()), the punycode codec;
- cli_abc_enum.py (session 27): argparse (Namespace setattr, subparsers, the help formatter,
  SystemExit errors; no exclusive groups: their actions are kept in sets hashed by address), the pure-Python ABCMeta over the pure-Python WeakSet
  (weakref callbacks that are traced closures, run inside a `del`), an enum's `_missing_` (enum
  itself is not copied: sets of classes iterate in address order, which differs between runs);
- weakref_random_operator.py (session 27): weakref's WeakValueDictionary/WeakKeyDictionary
  (KeyedRef callbacks run inside `del`, stores and slice deletions), WeakMethod, finalize;
  random's pure-Python methods on a fixed seed; operator without `_operator`;
- stats_calendar.py (session 25): statistics without `_statistics` (fractions, NormalDist),
  colorsys, calendar.
"""

import pathlib
import shutil
import subprocess

import pytest

from conftest import RUN_TIMEOUT
from test_fidelity import _first_difference

STDLIB_DRIVERS = pathlib.Path(__file__).resolve().parents[1] / "stdlib"

# Driver -> what to copy: (path under the interpreter's stdlib directory, name of the copy).
# Packages are copied whole (their relative imports then resolve inside the copy).
CASES = {
    "archives_codecs.py": [("tarfile.py", "pytarfile.py"), ("plistlib.py", "pyplistlib.py"),
                           ("encodings/punycode.py", "pypunycode.py")],
    "functools_json.py": [("functools.py", "pyfunctools.py"), ("json", "pyjson")],
    "parsers_numbers.py": [("tomllib", "pytomllib"), ("difflib.py", "pydifflib.py"),
                           ("fractions.py", "pyfractions.py"), ("heapq.py", "pyheapq.py"),
                           ("bisect.py", "pybisect.py"), ("dataclasses.py", "pydataclasses.py")],
    "config_files.py": [("configparser.py", "pyconfigparser.py")],
    "cli_abc_enum.py": [("argparse.py", "pyargparse.py"), ("_py_abc.py", "pyabc.py"),
                        ("_weakrefset.py", "pyweakrefset.py")],
    "collections_copy.py": [("collections/__init__.py", "pycollections.py"), ("copy.py", "pycopy.py"),
                            ("graphlib.py", "pygraphlib.py"), ("reprlib.py", "pyreprlib.py")],
    "stats_calendar.py": [("statistics.py", "pystatistics.py"), ("colorsys.py", "pycolorsys.py"),
                          ("calendar.py", "pycalendar.py")],
    "weakref_random_operator.py": [("weakref.py", "pyweakref.py"), ("random.py", "pyrandom.py"),
                                   ("operator.py", "pyoperator.py")],
    "text_formats.py": [("urllib/parse.py", "pyurlparse.py"),
                        ("email/_header_value_parser.py", "pyhvp.py"),
                        ("html/__init__.py", "pyhtml.py"), ("textwrap.py", "pytextwrap.py"),
                        ("shlex.py", "pyshlex.py"), ("string.py", "pystring.py")],
}


def _stdlib(python_exe):
    out = subprocess.run([python_exe, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                         stdout=subprocess.PIPE, text=True, check=True, timeout=RUN_TIMEOUT)
    return pathlib.Path(out.stdout.strip())


@pytest.mark.parametrize("driver", sorted(CASES), ids=lambda d: d[:-3])
def test_stdlib_export_matches_oracle(driver, python_exe, run_plain, record, reel_bin, run_oracle,
                                      tmp_path):
    lib = _stdlib(python_exe)
    work = tmp_path / "lib"
    work.mkdir()
    for source, copy in CASES[driver]:
        if (lib / source).is_dir():
            shutil.copytree(lib / source, work / copy,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(lib / source, work / copy)
    program = work / driver
    shutil.copy(STDLIB_DRIVERS / driver, program)

    plain = run_plain(program)
    assert plain[2] == 0, plain[1]
    trace, *recorded = record(program)
    assert tuple(recorded) == plain

    exported = subprocess.run([str(reel_bin), "export", "--states", "--only", str(work), str(trace)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert exported.returncode == 0, exported.stderr.decode(errors="replace")
    oracle_out = tmp_path / "oracle.jsonl"
    run_oracle(program, oracle_out, only=work)
    expected = oracle_out.read_bytes().decode("utf-8", "surrogatepass")
    assert expected.count("\n") > 10000, "the oracle saw too little of the standard library"
    actual = exported.stdout.decode("utf-8", "surrogatepass")
    if actual != expected:
        pytest.fail(_first_difference(expected, actual), pytrace=False)
