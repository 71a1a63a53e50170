"""Tests of the reference tracer (tests/oracle/reel_oracle.py) on the interpreter under test.

For every corpus program: the oracle must not perturb the program (same stdout, stderr, exit
status as a plain run), must be deterministic (two runs, identical bytes), and its JSON Lines
must be well-formed.  The render() rules are checked value by value, in the interpreter under
test, including objects whose dunder methods would leave a trace if the oracle ever ran them.
"""

import json
import pathlib
import subprocess

import pytest

from conftest import ORACLE, PROGRAMS_DIR, RUN_TIMEOUT

KEYS = {
    "call": ["ev", "fn", "line"],
    "opcode": ["ev", "fn", "line", "off", "locals"],
    "exception": ["ev", "fn", "line", "exc"],
    "return": ["ev", "fn", "line", "value"],
}

_cache = {}


@pytest.fixture
def oracle_runs(corpus_program, run_plain, run_oracle, tmp_path):
    """(plain, (oracle run, jsonl bytes), (second oracle run, jsonl bytes)), computed once."""
    key = corpus_program
    if key not in _cache:
        plain = run_plain(corpus_program)
        runs = []
        for i in range(2):
            out = tmp_path / ("run%d.jsonl" % i)
            res = run_oracle(corpus_program, out)
            runs.append((res, out.read_bytes() if out.exists() else b""))
        _cache[key] = (plain, runs[0], runs[1])
    return _cache[key]


def test_oracle_does_not_perturb_program(oracle_runs):
    plain, (traced, _), _ = oracle_runs
    assert traced[0] == plain[0], "stdout differs under the oracle"
    assert traced[1] == plain[1], "stderr differs under the oracle"
    assert traced[2] == plain[2], "exit status differs under the oracle"


def test_oracle_is_deterministic(oracle_runs):
    _, (_, first), (_, second) = oracle_runs
    assert first == second


def test_oracle_output_well_formed(oracle_runs, corpus_program, pyver):
    _, (_, data), _ = oracle_runs
    text = data.decode("utf-8", "surrogatepass")
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    assert len(lines) >= 20, "suspiciously few events"
    assert len(lines) < 20000, "program too big for the corpus"
    counts = {k: 0 for k in KEYS}
    stack = []
    # Functions that have returned or yielded: on 3.11 a suspended generator can go on without a
    # 'call' event (an exception thrown into a `yield from`/`await` whose delegate caught it and
    # returned; docs/format.md, REENTER), so its next event finds it under the top.
    left = set()
    for n, line in enumerate(lines, 1):
        ev = json.loads(line)
        # Byte-exact serialization is part of the contract.
        assert json.dumps(ev, ensure_ascii=False, separators=(",", ":")) == line, n
        kind = ev["ev"]
        assert list(ev) == KEYS[kind], (n, line)
        counts[kind] += 1
        assert isinstance(ev["fn"], str) and ev["fn"]
        assert ev["line"] is None or isinstance(ev["line"], int)
        if kind == "opcode":
            assert isinstance(ev["off"], int) and ev["off"] >= 0 and ev["off"] % 2 == 0
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in ev["locals"].items())
            assert not any(k.startswith("__") and k.endswith("__") for k in ev["locals"])
            if pyver == "3.11" and (not stack or stack[-1] != ev["fn"]) and ev["fn"] in left:
                stack.append(ev["fn"])
            assert stack and stack[-1] == ev["fn"], (n, line)
        elif kind == "call":
            stack.append(ev["fn"])
        elif kind == "return":
            assert stack and stack.pop() == ev["fn"], (n, line)
            left.add(ev["fn"])
        else:
            assert isinstance(ev["exc"], str)
            assert stack and stack[-1] == ev["fn"], (n, line)
    # The corpus never runs two threads at once, so one stack models the trace.
    assert stack == [], "calls without returns: %r" % stack
    first = json.loads(lines[0])
    assert first["ev"] == "call" and first["fn"] == "<module>"
    assert counts["opcode"] > counts["call"]


def test_corpus_is_large_enough(corpus_programs):
    assert len(corpus_programs) >= 30
    for p in corpus_programs:
        first = p.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Covers"), p


def _events(path):
    return [json.loads(line) for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines()]


def test_side_effecting_dunders_never_run(run_oracle, tmp_path):
    for name in ("side_effect_dunders.py", "weird_objects.py", "class_body_prepare.py"):
        out = tmp_path / "x.jsonl"
        stdout, stderr, rc = run_oracle(PROGRAMS_DIR / name, out)
        assert rc == 0, stderr
        assert "CALLED" not in stdout + stderr, name
        assert out.stat().st_size > 0


def test_sibling_module_traced_and_only_filter(run_oracle, tmp_path):
    out = tmp_path / "x.jsonl"
    run_oracle(PROGRAMS_DIR / "imports_sibling.py", out)
    fns = {e["fn"] for e in _events(out)}
    assert {"<module>", "Shape.area", "area_sum", "describe"} <= fns
    # A directory that does not hold the program: nothing is traced, the program still runs.
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    stdout, _, rc = run_oracle(PROGRAMS_DIR / "imports_sibling.py", out, only=empty)
    assert rc == 0 and "helper loaded" in stdout
    assert out.read_bytes() == b""


def test_pseudo_files_not_traced(run_oracle, tmp_path):
    out = tmp_path / "x.jsonl"
    run_oracle(PROGRAMS_DIR / "eval_exec.py", out)
    fns = {e["fn"] for e in _events(out)}
    assert "helper" not in fns           # defined by exec() in <string>
    assert "uses_eval" in fns


def test_threads_and_exit_status(run_oracle, tmp_path):
    out = tmp_path / "x.jsonl"
    _, _, rc = run_oracle(PROGRAMS_DIR / "threads.py", out)
    assert rc == 0
    assert sum(1 for e in _events(out) if e["ev"] == "call" and e["fn"] == "work") == 3
    _, stderr, rc = run_oracle(PROGRAMS_DIR / "sys_exit_atexit.py", out)
    assert rc == 3
    # atexit handlers run after the main module and are traced.
    evs = _events(out)
    assert [e["fn"] for e in evs if e["ev"] == "call"][-2:] == ["goodbye", "goodbye"]


def test_uncaught_exception_events(run_oracle, run_plain, tmp_path):
    out = tmp_path / "x.jsonl"
    _, stderr, rc = run_oracle(PROGRAMS_DIR / "uncaught_exception.py", out)
    assert rc == 1 and stderr.startswith("Traceback (most recent call last):")
    assert "reel_oracle" not in stderr
    evs = _events(out)
    assert evs[-1] == {"ev": "return", "fn": "<module>", "line": evs[-1]["line"], "value": "None"}
    excs = [e for e in evs if e["ev"] == "exception"]
    assert excs[-1]["fn"] == "<module>"
    assert excs[-1]["exc"] == "LookupError('no such key: zzz')"


def test_oracle_usage_errors(python_exe, tmp_path):
    for args in ([], ["--out"], ["--bogus", "x.py"], [str(tmp_path / "missing.py")]):
        proc = subprocess.run([python_exe, str(ORACLE), *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT, cwd=tmp_path)
        assert proc.returncode == 2, args
        assert b"reel_oracle" in proc.stderr
        assert proc.stdout == b""


# --------------------------------------------------------------------------------------------
# render() unit tests, run inside the interpreter under test.
# --------------------------------------------------------------------------------------------

RENDER_SNIPPET = r'''
import collections, enum, json, sys
sys.path.insert(0, sys.argv[1])
import reel_oracle as o

log = []

class Noisy:
    def __init__(self):
        self.a = 1
    def __repr__(self): log.append("repr"); return "x"
    def __str__(self): log.append("str"); return "x"
    def __eq__(self, other): log.append("eq"); return False
    def __hash__(self): log.append("hash"); return 1
    def __len__(self): log.append("len"); return 1
    def __iter__(self): log.append("iter"); return iter(())
    def __getattr__(self, n): log.append("getattr " + n); raise AttributeError(n)
    def __getattribute__(self, n):
        log.append("getattribute " + n)
        return object.__getattribute__(self, n)

class FakeDict:
    @property
    def __dict__(self): log.append("dict property"); return {}

class NoisyList(list):
    def __iter__(self): log.append("list iter"); return list.__iter__(self)
    def __len__(self): log.append("list len"); return 0
    def __getitem__(self, i): log.append("list getitem"); return None

class NoisyDict(dict):
    def items(self): log.append("dict items"); return dict.items(self)
    def keys(self): log.append("dict keys"); return dict.keys(self)
    def __iter__(self): log.append("dict iter"); return dict.__iter__(self)

class LoudExc(Exception):
    @property
    def args(self): log.append("args property"); return ("fake",)

class LoudMeta(type):
    def __eq__(cls, other): log.append("meta eq"); return False
    __hash__ = type.__hash__
class Weird(metaclass=LoudMeta):
    pass
class WeirdList(list, metaclass=LoudMeta):
    pass
class S:
    __slots__ = ("a", "__b")
class _Priv:
    __slots__ = ("__x", "y__")
class SD(S):
    __slots__ = ("c", "__dict__")
class Many:
    pass
class MyList(list): pass
class MyTuple(tuple): pass
class MyDict(dict): pass
class MySet(set): pass
class MyFrozen(frozenset): pass
class MyInt(int): pass
class MyFloat(float): pass
class MyStr(str): pass
class MyBytes(bytes): pass
class Color(enum.IntEnum):
    RED = 1
    GREEN = 2
class E(Exception): pass
P = collections.namedtuple("P", "x y")

def outer():
    def inner(): pass
    return inner

noisy = Noisy()
fake = FakeDict()
fake.real = 5
s_full = S(); s_full.a = 1; s_full._S__b = 2
s_empty = S()
priv = _Priv(); priv._Priv__x = 1; priv.y__ = 2
sd = SD(); sd.c = 3; sd.a = 0; sd.z = 4
many = Many()
for i in range(20):
    setattr(many, "f%d" % i, i)
hidden = Many(); hidden.__dict__["__secret"] = 1; hidden.__dict__["_C__ok"] = 2; hidden.__dict__["__x__"] = 3
cyc = [1]; cyc.append(cyc)
dcyc = {}; dcyc["me"] = dcyc
shared = [0]
ecyc = ValueError(); ecyc.args = (ecyc,)
node = Many(); node.next = node
noisy_key = {noisy: 1}
log.clear()

cases = {
    "none": None, "true": True, "false": False,
    "int": 42, "neg": -7, "int200": 2 ** 200 - 1, "int201": 2 ** 200, "negbig": -(2 ** 300),
    "float": 0.1, "inf": float("-inf"), "complex": complex(1, -2),
    "str64": "a" * 64, "str65": "a" * 65, "unicode": "é✓\n'\"",
    "bytes70": b"\x00" * 70, "bytearray": bytearray(b"ab"), "bytearray70": bytearray(70),
    "list": [1, "two", 3.0], "list20": list(range(20)), "list17": list(range(17)),
    "tuple1": (1,), "tuple0": (), "tuple2": (1, 2),
    "set0": set(), "set1": {3}, "frozen0": frozenset(), "frozen1": frozenset({1}),
    "dict0": {}, "dict": {"a": [1], 2: None}, "dict20": {i: i for i in range(20)},
    "depth3": [[[1]]], "depth4": [[[[1]]]], "ddepth": {"a": {"b": {"c": {"d": 1}}}},
    "cycle": cyc, "dcycle": dcyc, "shared": [shared, shared], "ecycle": ecyc, "ocycle": node,
    "namedtuple": P(1, "two"), "mylist": MyList([1, 2]), "mytuple1": MyTuple((1,)),
    "mydict": MyDict(a=1), "myset": MySet(), "myfrozen": MyFrozen([5]),
    "myint": MyInt(5), "myfloat": MyFloat(2.5), "mystr": MyStr("s" * 70), "mybytes": MyBytes(b"z"),
    "intenum": Color.GREEN, "bool_in_list": [True, None],
    "exc": ValueError("bad"), "exc0": KeyError(), "exc2": ValueError("a", 1), "myexc": E("x"),
    "excdeep": [[[ValueError(1)]]], "loudexc": LoudExc("real"),
    "func": outer, "nested": outer(), "lambda": lambda: 0, "cls": S, "builtin_cls": int,
    "other_mod_cls": collections.OrderedDict, "odict": collections.OrderedDict(a=1),
    "module": json, "builtin_fn": len, "object": object(), "range": range(3),
    "noisy": noisy, "noisy_in_list": [noisy], "noisy_key": noisy_key, "fake": fake,
    "noisylist": NoisyList([1, 2]), "noisydict": NoisyDict(k=1),
    "slots": s_full, "slots_empty": s_empty, "slots_priv": priv, "slots_dict": sd,
    "many": many, "hidden": hidden,
    "weird": Weird(), "weird_cls": Weird, "weirdlist": WeirdList([1]),
}
result = {k: o.render(v) for k, v in cases.items()}
result["locals"] = o.render_locals({"__name__": 1, "__x": 2, "x__": 3, "a": noisy, "__": 4})
result["log"] = log
sys.stdout.write(json.dumps(result, ensure_ascii=False))
'''

EXPECTED = {
    "none": "None", "true": "True", "false": "False",
    "int": "42", "neg": "-7", "int200": str(2 ** 200 - 1), "int201": "<int 201 bits>",
    "negbig": "<int 301 bits>",
    "float": "0.1", "inf": "-inf", "complex": "(1-2j)",
    "str64": repr("a" * 64), "str65": repr("a" * 64) + "\u2026+1",
    "unicode": repr("é✓\n'\""),
    "bytes70": repr(b"\x00" * 64) + "\u2026+6", "bytearray": "bytearray(b'ab')",
    "bytearray70": "bytearray(" + repr(b"\x00" * 64) + "\u2026+6)",
    "list": "[1, 'two', 3.0]",
    "list20": "[" + ", ".join(map(str, range(16))) + ", \u2026+4]",
    "list17": "[" + ", ".join(map(str, range(16))) + ", \u2026+1]",
    "tuple1": "(1,)", "tuple0": "()", "tuple2": "(1, 2)",
    "set0": "set()", "set1": "{3}", "frozen0": "frozenset()", "frozen1": "frozenset({1})",
    "dict0": "{}", "dict": "{'a': [1], 2: None}",
    "dict20": "{" + ", ".join("%d: %d" % (i, i) for i in range(16)) + ", \u2026+4}",
    "depth3": "[[[1]]]", "depth4": "[[[\u2026]]]", "ddepth": "{'a': {'b': {'c': \u2026}}}",
    "cycle": "[1, <cycle>]", "dcycle": "{'me': <cycle>}", "shared": "[[0], [0]]",
    "ecycle": "ValueError(<cycle>)", "ocycle": "<Many next=<cycle>>",
    "namedtuple": "P(1, 'two')", "mylist": "MyList[1, 2]", "mytuple1": "MyTuple(1,)",
    "mydict": "MyDict{'a': 1}", "myset": "MySetset()", "myfrozen": "MyFrozenfrozenset({5})",
    "myint": "MyInt(5)", "myfloat": "MyFloat(2.5)",
    "mystr": "MyStr(" + repr("s" * 64) + "\u2026+6)", "mybytes": "MyBytes(b'z')",
    "intenum": "Color(2)", "bool_in_list": "[True, None]",
    "exc": "ValueError('bad')", "exc0": "KeyError()", "exc2": "ValueError('a', 1)",
    "myexc": "E('x')", "excdeep": "[[[\u2026]]]", "loudexc": "LoudExc('real')",
    "func": "<function outer>", "nested": "<function outer.<locals>.inner>",
    "lambda": "<function <lambda>>", "cls": "<class S>", "builtin_cls": "<class int>",
    "other_mod_cls": "<class collections.OrderedDict>", "odict": "collections.OrderedDict{'a': 1}",
    "module": "<module json>", "builtin_fn": "<builtin_function_or_method object>",
    "object": "<object object>", "range": "<range object>",
    "noisy": "<Noisy a=1>", "noisy_in_list": "[<Noisy a=1>]", "noisy_key": "{<Noisy a=1>: 1}",
    "fake": "<FakeDict real=5>",
    "noisylist": "NoisyList[1, 2]", "noisydict": "NoisyDict{'k': 1}",
    "slots": "<S a=1 _S__b=2>", "slots_empty": "<S object>", "slots_priv": "<_Priv _Priv__x=1 y__=2>",
    "slots_dict": "<SD c=3 a=0 z=4>",
    "many": "<Many " + " ".join("f%d=%d" % (i, i) for i in range(16)) + " \u2026+4>",
    "hidden": "<Many _C__ok=2>",
    "weird": "<Weird>", "weird_cls": "<class Weird>", "weirdlist": "WeirdList[1]",
    "locals": {"__x": "2", "x__": "3", "a": "<Noisy a=1>"},
    "log": [],
}


@pytest.fixture(scope="module")
def rendered(python_exe):
    proc = subprocess.run([python_exe, "-c", RENDER_SNIPPET, str(ORACLE.parent)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT,
                          env={"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout.decode("utf-8"))


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_render(rendered, case):
    assert rendered[case] == EXPECTED[case]
