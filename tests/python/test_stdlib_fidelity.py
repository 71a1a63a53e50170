"""The fidelity contract (test_fidelity.py) on real code: the pure-Python functools and json of
the interpreter under test, copied at test time (never committed) next to
tests/stdlib/functools_json.py as `pyfunctools` and `pyjson`, so that their frames are inside the
directory both the export and the reference tracer report. They exercise the purity rules on
code nobody wrote for Reel: lru_cache's wrapper (a lock, `nonlocal` state, an int-keyed cache,
`f(*args, **kwargs)`), update_wrapper renaming a bound function, the encoder's `yield from` chain
over closures, and the decoder.
"""

import pathlib
import shutil
import subprocess

import pytest

from conftest import RUN_TIMEOUT
from test_fidelity import _first_difference

PROGRAM = pathlib.Path(__file__).resolve().parents[1] / "stdlib" / "functools_json.py"


def _stdlib(python_exe):
    out = subprocess.run([python_exe, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                         stdout=subprocess.PIPE, text=True, check=True, timeout=RUN_TIMEOUT)
    return pathlib.Path(out.stdout.strip())


def test_stdlib_export_matches_oracle(python_exe, run_plain, record, reel_bin, run_oracle,
                                      tmp_path):
    lib = _stdlib(python_exe)
    work = tmp_path / "lib"
    work.mkdir()
    shutil.copy(lib / "functools.py", work / "pyfunctools.py")
    shutil.copytree(lib / "json", work / "pyjson", ignore=shutil.ignore_patterns("__pycache__"))
    program = work / PROGRAM.name
    shutil.copy(PROGRAM, program)

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
