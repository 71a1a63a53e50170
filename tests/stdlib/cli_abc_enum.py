# Covers: argparse (actions stored on a Namespace through setattr, subparsers, type converters,
# the help formatter's nested _Section objects and text wrapping, errors raised as SystemExit from
# parse_args), the pure-Python ABCMeta (_py_abc: registries and caches
# in WeakSets, __subclasshook__, a negative cache reset by register) over the pure-Python WeakSet
# (_weakrefset: weakref callbacks that are Python closures, run when an object dies inside a
# store or `del`, and the _IterationGuard that defers removals), and enum classes with a
# `_missing_` hook used as an argparse type. Objects with side-effecting dunders
# count how often they run, so that a recorder calling them would change the output.
import sys
import abc, gettext, os, re, shutil, textwrap, types, functools, operator  # the copies' imports
import pyweakrefset
sys.modules["_weakrefset"] = pyweakrefset
import enum as pyenum  # not copied: its sets of classes iterate in address order
import pyabc, pyargparse

CALLS = []


class Noisy:
    def __init__(self, tag):
        self.tag = tag

    def __repr__(self):
        CALLS.append("repr")
        return "Noisy(%r)" % self.tag

    def __eq__(self, other):
        CALLS.append("eq")
        return isinstance(other, Noisy) and other.tag == self.tag

    def __hash__(self):
        CALLS.append("hash")
        return hash(self.tag)


# ---- WeakSet: callbacks that are traced Python code ----
ws = pyweakrefset.WeakSet()
keep = [Noisy(i) for i in range(4)]
for n in keep:
    ws.add(n)
del n
print(len(ws), sorted(n.tag for n in ws))
dropped = keep.pop()            # the list no longer holds it
del dropped                     # the callback runs inside this `del`
print(len(ws))
with pyweakrefset._IterationGuard(ws):
    victim = keep.pop(0)
    del victim                  # removal deferred while iterating
    print("pending", len(ws._pending_removals))
print(len(ws), sorted(n.tag for n in ws))
other = pyweakrefset.WeakSet(keep[:1])
print(len(ws | other), len(ws - other), ws.issuperset(other))


# ---- the pure-Python ABCMeta ----
class Shape(metaclass=pyabc.ABCMeta):
    @abc.abstractmethod
    def area(self):
        ...

    @classmethod
    def __subclasshook__(cls, C):
        if cls is Shape and any("area" in B.__dict__ for B in C.__mro__):
            return True
        return NotImplemented


class Square(Shape):
    def __init__(self, s):
        self.s = s

    def area(self):
        return self.s * self.s


class Duck:
    def area(self):
        return 0


class Rock:
    pass


try:
    Shape()
except TypeError as e:
    print("abstract:", type(e).__name__)
print(isinstance(Square(3), Shape), issubclass(Duck, Shape), issubclass(Rock, Shape))
print(issubclass(Rock, Shape))  # answered from the negative cache
Shape.register(Rock)             # resets the negative cache
print(issubclass(Rock, Shape), Square(4).area())


# (Each registry holds one class at most: a WeakSet of classes iterates in address order, which
# differs between the recorded run and the reference tracer's.)
class Sized(metaclass=pyabc.ABCMeta):
    pass


class Temp:
    pass


Sized.register(Temp)
print(issubclass(Temp, Sized), issubclass(Rock, Sized))
del Temp                         # the registry's WeakSet drops it when the class dies
import gc
gc.collect()
print(len(Sized._abc_registry))


# ---- enum ----
class Color(pyenum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3
    CRIMSON = 1  # an alias

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            return cls.__members__.get(value.upper())
        return None


class Perm(pyenum.Flag):
    R = pyenum.auto()
    W = pyenum.auto()
    X = pyenum.auto()


print(Color(1), Color("green"), Color.CRIMSON is Color.RED, [c.name for c in Color])
rw = Perm.R | Perm.W
print(rw, Perm.X in rw, ~rw, bool(Perm(0)), [p.name for p in rw])
try:
    Color(7)
except ValueError as e:
    print("ValueError", e)


# ---- argparse ----
# Each parse sees one action per parser at most, and there is no mutually exclusive group: the
# parser keeps the actions it has seen (and the usage formatter a group's actions) in sets of
# objects hashed by address, which iterate in another order in the reference tracer's run.
parser = pyargparse.ArgumentParser(prog="tool", description="A tool that does several things "
                                   "with files, described at length so that the help text wraps.")
parser.add_argument("-v", "--verbose", action="count", default=0)
parser.add_argument("--size", type=int, choices=range(1, 6), default=3)
parser.add_argument("--fast", action="store_true")
parser.add_argument("--tag", action="append", dest="tags", default=[])
parser.add_argument("--color", type=lambda s: Color(s), default=Color.BLUE)
subs = parser.add_subparsers(dest="cmd")
run = subs.add_parser("run", help="run something")
run.add_argument("target")
show = subs.add_parser("show", help="show something")
show.add_argument("--depth", type=int, default=1)

for argv in (["-vvv"], ["--tag", "a", "--tag", "b"], ["--color", "red"], ["--size=4"],
             ["run", "prog.py"], ["show", "--depth", "2"]):
    ns = parser.parse_args(argv)
    print(sorted(vars(ns).items(), key=lambda kv: kv[0]))
ns2, extra = parser.parse_known_args(["show", "--unknown", "x"])
print(ns2.cmd, ns2.depth, extra)
os.environ["COLUMNS"] = "60"
print(parser.format_help())
for bad in (["--size", "9"], ["--size", "x"], ["run"], ["--color", "mauve"]):
    try:
        parser.parse_args(bad)
    except SystemExit as e:
        print("exit", e.code)

print("calls:", CALLS)
