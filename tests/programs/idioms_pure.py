# Covers everyday idioms the purity rules judge pure, or as changing one named object
# (docs/recorder.md, "Per-execution purity"): tuple-keyed dicts, a growing `seen` set, a deque,
# a str subclass made by `super().__new__`, `super().method()`, `enumerate(map(partial(...)))`,
# `any(map(...))`, zip, lambdas and generator expressions, Python iterators, reversed, getattr,
# `del obj.attr`, random's C methods, a function-level import, a @contextmanager and next(),
# class attributes (`Token._make`, a classmethod, `Cls.CONST`), len() and unpacking of a
# namedtuple, math functions and float.as_integer_ratio(), defaultdicts, sum/max/set of a
# generator of numbers or str, bisect; since session 31 (`pure_idioms_more`) bytearray stores,
# dunders written in Python (`__getitem__`, `__setitem__`, `__len__`, `__eq__`, `__getattr__`),
# identity-hashed keys, `in d.keys()`, `list += list`, a metaclass's `super().__setattr__`.
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
import _sre
import _thread


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


class SubPattern:
    # re's SubPattern: its own __getitem__, __setitem__ and __len__, no __bool__ and no __iter__.
    def __init__(self, data):
        self.data = data

    def __getitem__(self, i):
        if isinstance(i, slice):
            return SubPattern(self.data[i])
        return self.data[i]

    def __setitem__(self, i, v):
        self.data[i] = v

    def __len__(self):
        return len(self.data)


class Form:
    # typing's _GenericAlias: an __eq__ written in Python (compared with `in (A, B)`).
    def __init__(self, origin):
        self.origin = origin

    def __eq__(self, other):
        return isinstance(other, Form) and self.origin == other.origin

    __hash__ = object.__hash__


class Meta(type):
    # enum's EnumType: a metaclass whose __setattr__ hands the store to type's.
    def __setattr__(cls, name, value):
        super().__setattr__(name, value)


class Registry(metaclass=Meta):
    pass


class Keyed:
    # typing's aliases as lru_cache arguments: __hash__ and __eq__ written in Python.
    def __init__(self, k):
        self.k = k

    def __hash__(self):
        return hash(self.k)

    def __eq__(self, other):
        return isinstance(other, Keyed) and self.k == other.k


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@functools.lru_cache(maxsize=4)
def tagged(key, extra=0):
    return key.k + extra


class Cached:
    @functools.cache
    def twice(self, x):
        return 2 * x


ANY, NEVER = object(), object()
SPAN = slice(2, 4)
BITS = b"0" + b"1" * 255  # re's _BITS_TRANS
OPCODES = (Op(2), Op(3))


def helper():
    return 1


# re's charmaps (bytearray stores, read back with find), its parser's SubPattern, typing's
# `arg in (Any, ...)` and caches keyed by function, enum's value map (setdefault of an int),
# sysconfig's `key in d.keys()`, `out += tail`.
def pure_idioms_more(buf, sub, forms, caches, held, alias):
    box = [buf, held]
    for i in (1, 4, 6):
        buf[i] = 1
    buf[SPAN] = b"\x01\x01"  # (3.12+ compile `buf[2:4] = ...` to STORE_SLICE, not judged)
    at = buf.find(1, 3)
    buf += b"\x00"
    out = [1]
    out += [2, 3]
    out += (4,)
    first = sub[0]
    sub[-1] = first + len(sub)
    tail = sub[1:]
    shown = bool(sub) and len(tail) > 0
    back = range(len(buf))[::-1]
    form = forms[0]
    hits = (form in (ANY, NEVER), form in forms, ANY in (ANY, NEVER))
    fn = caches[helper]
    values = {1: "one"}
    values.setdefault(2, "two")
    got = values.setdefault(1, "uno")
    keys = values.keys()
    seen = 2 in keys and 5 not in keys
    folded = _sre.ascii_tolower(65) + _sre.unicode_iscased(97)
    ident = _thread.get_ident() > 0
    opcode = OPCODES[0] == 2 and OPCODES[1] != OPCODES[0]
    cased = any(map(_sre.ascii_iscased, range(60, 70)))
    unique = list(dict.fromkeys([3, 1, 3, 2]))
    Registry.size = len(unique)
    pairs = ((OPCODES[0], 1) != (OPCODES[1], 1), str(first).isidentifier(), "ab".zfill(4))
    memo = (fib(12), tagged(Keyed(1), extra=2), tagged(*(Keyed(2),)), tagged(Keyed(1), extra=2),
            Cached().twice(3))
    through = (alias.origin, getattr(alias, "__parameters__", ()), int(buf.translate(BITS)[1:3], 2))
    return (box, at, out, first, sub.data, tail.data, shown, back[0], hits, fn(), values, got,
            seen, folded, ident, opcode, cased, unique, Registry.size, pairs, memo, through)


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
FORMS = (Form(int), Form(str))
SubPattern([0])[0:1], len(SubPattern([])), Form(1) == Form(2), helper()
Registry.size = 0
fib(1), tagged(Keyed(0)), Cached().twice(0), hash(Keyed(0)), Keyed(0) == Keyed(0)
# Twice: a site judged a mutation nobody names in both runs is counted twice; one that only a
# first call explains (a genexpr's code met for the first time, Bag's __init__) once.
print(pure_idioms(["a", "# b", "c"], rng, Rows([1, 2])))
print(pure_idioms(["d", "; e"], rng, Rows([3])))
print(pure_idioms_stdlib(Seq([1, 2, 3]), __file__, charmap, ops, Alias(ops)))
print(pure_idioms_stdlib(Seq([4]), __file__, charmap, ops, Alias(charmap)), guarded.v)
print(pure_idioms_more(bytearray(8), SubPattern([5, 6, 7]), FORMS, {helper: helper}, [0],
                       Alias(ops)))
print(pure_idioms_more(bytearray(9), SubPattern([8, 9]), FORMS[::-1], {helper: helper}, [1],
                       Alias(charmap)))
