# Covers everyday idioms the purity rules judge pure, or as changing one named object
# (docs/recorder.md, "Per-execution purity"): tuple-keyed dicts, a growing `seen` set, a deque,
# a str subclass made by `super().__new__`, `super().method()`, `enumerate(map(partial(...)))`,
# `any(map(...))`, zip, lambdas and generator expressions, Python iterators, reversed, getattr,
# `del obj.attr`, random's C methods, a function-level import, a @contextmanager and next(),
# class attributes (`Token._make`, a classmethod, `Cls.CONST`), len() and unpacking of a
# namedtuple, math functions and float.as_integer_ratio(), defaultdicts, sum/max/set of a
# generator of numbers or str, bisect.
# As a corpus program its states are checked against the oracle; test_purity.py also records it
# with REEL_PURITY_SITES=1 and fails if any instruction of `pure_idioms` is judged a mutation
# nobody names in both of its runs (a rule that silently stopped applying: every frame would
# check its locals again). tests/programs/purity_idioms.py has the traps. Every helper runs once
# before, so that no call in `pure_idioms` is the first of its code object (never pure).
import bisect
import collections
import contextlib
import dataclasses
import functools
import json
import math
import os
import random
import sys


class Word(str):
    def __new__(cls, text, tag):
        self = super().__new__(cls, text)
        self.tag = tag
        return self


class Line(str):
    def __new__(cls, val, *args, **kwargs):
        return super().__new__(cls, val)

    def __init__(self, val, prefixes):
        self.prefixes = prefixes


class Base:
    def greet(self):
        return "base"


class Child(Base):
    def greet(self):
        return super().greet() + "+child"


class Count:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n == 0:
            raise StopIteration
        self.n -= 1
        return self.n


class Rows(list):
    pass


class Pt:
    def __init__(self, x):
        self.x = x

    def __repr__(self):
        return f"Pt({self.x})"


class Bag:
    def __init__(self):
        self.a = 1
        self.b = 2


Token = collections.namedtuple("Token", "kind text")


class Kinds:
    NUMBER = "num"

    @classmethod
    def named(cls, text):
        return text.upper()

    @staticmethod
    def plain(text):
        return text


@contextlib.contextmanager
def opened(log):
    log.append("in")
    yield len(log)
    log.append("out")


def pure_idioms(lines, rng, rows):
    memo = {}
    for i in range(3):
        for j in range(3):
            memo[i, j] = memo.get((i, j - 1), 0) + i
    cache = {(str, "p", 0): 1}
    hit = (str, "p", 0) in cache and cache[str, "p", 0]
    seen = set(range(40))
    for node in (3, 41, (1, 2), "x"):
        if node not in seen:
            seen.add(node)
    seen.discard(3)
    queue = collections.deque([1, 2])
    queue.append(3)
    first = queue.popleft()
    size = len(queue) if queue else 0
    w = Word(" hello world ", 1)
    parts = (w[:6], w.strip(), w.split(" "), w.startswith(" h"), w.encode())
    if w:
        parts += (w.tag,)
    greeting = Child().greet()
    made = []
    make = functools.partial(Line, prefixes=("#", ";"))
    for n, line in enumerate(map(make, lines), start=1):
        made.append((n, line, any(map(line.startswith, line.prefixes))))
    pairs = []
    for a, b in zip(lines, range(3)):
        pairs.append((a, b))
    scale = 3
    double = lambda v: v * scale
    text = "-".join(str(double(v)) for v in range(3))
    total = 0
    for v in rows:  # a list subclass (making one is not pure: list's own __init__ is C)
        total += v
    for v in Count(3):
        total += v
    for v in reversed((4, 5)):
        total += v
    bag = Bag()
    attrs = (getattr(bag, "a"), hasattr(bag, "nope"), getattr(bag, "c", 0), bag.__dict__["b"])
    del bag.b
    codes = (chr(65), ord("a"), int("ff", 16), (1000).bit_length())
    sentinel = object()
    same = lines[0] == sentinel
    has = memo.__contains__
    found = has((1, 1))
    draws = (rng.random() < 2, rng.getrandbits(8) < 256, rng.randrange(10) < 10)
    import json as js
    encoded = js.dumps
    log = []
    with opened(log) as depth:
        log.append(depth)
    pt = Pt(2)
    shown = (str(pt), repr(pt), f"{pt}", f"{pt!r}")
    g = (x for x in range(2))
    nxt = next(g)
    rest = list(g)  # exhausted here, so it is not closed (in C) when the frame ends
    tok = Token._make((Kinds.NUMBER, "12"))
    kind, token_text = tok
    token = (len(tok), kind, Kinds.named(token_text), Kinds.plain(kind), Kinds.__name__)
    groups = collections.defaultdict(list)
    tally = collections.defaultdict(int)
    for word in ("a", "b", "a"):
        groups[word].append(len(word))
        tally[word] += 1
    squares = sum(v * v for v in tally.values())
    longest = max(len(word) for word in groups)
    letters = set(ch for ch in "abca")
    where = (bisect.bisect_left([1, 4, 9, 16], squares), bisect.bisect_right([0.5, 2.5], 1.0))
    ratio = (0.25).as_integer_ratio()
    norm = math.sqrt(ratio[0] ** 2 + 9) * math.exp(-0.5 * total / 100) + math.floor(2.5)
    return (token, norm, groups, tally, squares, longest, len(letters), where, len(memo), hit, len(seen), first, size, parts, greeting, made, pairs, text, total,
            attrs, bag.__dict__, codes, same, found, draws, encoded is json.dumps, log, nxt, rest, shown)


class Op(int):
    # re's _NamedIntConstant: an int subclass with its own repr, int's hash and comparison.
    def __repr__(self):
        return "Op%d" % int(self)


OPS = frozenset({Op(1), Op(2)})


class Seq:
    # __getitem__ and no __iter__ (re's SubPattern): iterated through a sequence iterator.
    def __init__(self, items):
        self.items = items

    def __getitem__(self, i):
        return self.items[i]


@dataclasses.dataclass(frozen=True)
class Frozen:
    x: int
    y: str


class Alias:
    # typing's generic aliases: a __getattr__ and no __getattribute__ of their own.
    def __init__(self, origin):
        self.origin = origin

    def __getattr__(self, name):
        return getattr(self.origin, name)


class Guarded:
    def __setattr__(self, name, value):
        super().__setattr__(name, value)


# re's compiler (bytes and bytearray charmaps, int-subclass opcodes, SubPattern), frozen
# dataclasses (object.__setattr__) and importlib's path finder (os.stat, os.fspath).
# (Not judged here: making a bytearray, storing into one, constructing an int subclass; they run
# at module level below, for the oracle.)
def pure_idioms_stdlib(seq, path, charmap, ops, alias):
    data = bytes(charmap)
    chunk = data[2:6]
    part = charmap[1:3]
    comps = {b"\x00\x01\x00\x01": 7}
    idx = comps[chunk] if chunk in comps else -1
    first = data[1] + charmap[3]
    found = [op for op in ops if op in OPS]
    walked = [item for item in seq]
    frozen = Frozen(1, "a")
    object.__setattr__(frozen, "y", "b")
    guarded = Guarded()
    guarded.w = idx
    sized = os.stat(path).st_size >= 0 and os.path.isfile(os.fspath(path))
    here = len(os.getcwd()) > 0
    num = int.from_bytes(b"\x01\x02", "little") + int.from_bytes(b"\x01", "big")
    kinds = (isinstance(alias, Alias), isinstance(alias, Frozen), isinstance(3, Alias))
    name = sys.intern(str(path)) is sys.intern(path)
    return chunk, part, idx, first, found, walked, frozen, guarded.w, sized, here, num, kinds, name


charmap = bytearray(8)
for k in (1, 3, 5):
    charmap[k] = 1
charmap[6:8] = b"\x01\x01"
guarded = Guarded()
guarded.v = charmap[1]
ops = (Op(1), Op(3))


# Warm-up: every helper's code object is met once.
repr(Pt(0))
Word("x", 0)
Line("x", prefixes=())
Child().greet()
list(Count(1))
with opened([]):
    pass
next(x for x in range(1))
(lambda: 0)()
Token._make(("x", "y"))
Kinds.named("w"), Kinds.plain("w")
rng = random.Random(7)
rng.randrange(3)
Frozen(0, ""), Guarded(), os.path.isfile(__file__)
# Twice: a site judged a mutation nobody names in both runs is counted twice; one that only a
# first call explains (a genexpr's code met for the first time, Bag's __init__) once.
print(pure_idioms(["a", "# b", "c"], rng, Rows([1, 2])))
print(pure_idioms(["d", "; e"], rng, Rows([3])))
print(pure_idioms_stdlib(Seq([1, 2, 3]), __file__, charmap, ops, Alias(ops)))
print(pure_idioms_stdlib(Seq([4]), __file__, charmap, ops, Alias(charmap)), guarded.v)
