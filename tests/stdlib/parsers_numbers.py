# Covers, on pure-Python standard-library code: tomllib's parser (its position-passing style,
# nested tables and arrays of tables, dates), difflib's SequenceMatcher (dict-of-lists indexes,
# junk heuristics, opcodes) and unified diffs (generators), fractions (operator fallbacks made by
# a closure factory), heapq and bisect with their C accelerators blocked (in-place sifting of a
# list a caller holds), and dataclasses (classes built by exec'd code, frozen instances written
# through object.__setattr__, asdict's recursive copies). tests/python/test_stdlib_fidelity.py
# copies these modules from the interpreter under test next to this file as py<name>.
import sys
sys.modules["_heapq"] = None
sys.modules["_bisect"] = None
import pytomllib, pydifflib, pyfractions, pyheapq, pybisect, pydataclasses as dc

doc = pytomllib.loads('''
title = "TOML \\u00e9xample"
[owner]
dob = 1979-05-27T07:32:00-08:00
day = 1979-05-27
[database]
ports = [8000, 8001, 0x1F]
data = [["delta", "phi"], [3.14, -6.6e-3]]
temp = { cpu = 79.5, case = +inf }
[servers.alpha]
ip = "10.0.0.1"
role = """multi
line"""
[[products]]
name = "Hammer"
[[products]]
[[products]]
name = "Nail"
a.b.c = [1, {x = 'lit\\n'}]
''')
print(sorted(doc), doc["database"], doc["products"], doc["owner"]["dob"].isoformat())
try:
    pytomllib.loads("a = 1\na = 2")
except pytomllib.TOMLDecodeError as e:
    print("err", e)

a = ["one\n", "two\n", "three four\n", "five six\n", "eight\n", "nine ten\n"]
b = ["zero\n", "one\n", "two\n", "three 4\n", "five six\n", "eight!\n", "nine ten\n"]
print("".join(pydifflib.unified_diff(a, b, "a", "b", n=1)))
sm = pydifflib.SequenceMatcher(None, "private Thread currentThread;", "private volatile Thread currentThread;")
print(round(sm.ratio(), 4), sm.get_opcodes())
print(pydifflib.get_close_matches("appel", ["ape", "apple", "peach", "apply"], n=2))

F = pyfractions.Fraction
x, y = F(3, 4), F("-1.25")
print(x + y, x * y, x / y, x ** 2, x // y, divmod(x, y), F(0.1).limit_denominator(100), round(F(7, 3), 2), sum(F(1, n) for n in range(1, 8)))

h = []
for v in [5, 3, 8, 1, 9, 2, 7]:
    pyheapq.heappush(h, v)
print([pyheapq.heappop(h) for _ in range(3)], h, pyheapq.nsmallest(2, [4, 1, 3]), list(pyheapq.merge([1, 4], [2, 3])))
s = []
for v in [5, 1, 4, 1, 5]:
    pybisect.insort(s, v)
print(s, pybisect.bisect_left(s, 4), pybisect.bisect_right(s, 5))

@dc.dataclass(order=True, frozen=True)
class Version:
    major: int
    minor: int = 0
    tags: tuple = dc.field(default=(), compare=False)

@dc.dataclass
class Release:
    version: Version
    notes: list = dc.field(default_factory=list)
    def __post_init__(self):
        self.notes.append("created")

rel = Release(Version(1, 2, ("rc",)))
rel.notes.append("more")
newer = dc.replace(rel, version=dc.replace(rel.version, minor=3))
print(dc.asdict(rel), dc.astuple(newer), rel.version < newer.version, [f.name for f in dc.fields(Release)])
try:
    rel.version.major = 2
except dc.FrozenInstanceError:
    print("frozen")
