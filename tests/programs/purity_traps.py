# Covers: instructions the recorder may treat as pure from their operands (BINARY_OP, COMPARE_OP,
# CONTAINS_OP, BINARY_SUBSCR, LOAD_ATTR, LOAD_GLOBAL, FOR_ITER, UNPACK_SEQUENCE, CALL of traced
# functions, SEND/YIELD_VALUE between generators and their consumers) used with operands that mutate a local through C code only (bound C methods as
# dunders, property(list.append), colliding hashes in dicts with non-str keys, list +=), so no
# traced Python instruction reports the change: the state after each one must show it.
import functools
import types


def make_key(log, text):
    # Hashes like `text`, and comparing appends the other operand to `log`, all in C.
    class Key:
        __hash__ = text.__hash__
        __eq__ = log.append

    return Key()


def dict_lookups():
    log = []
    key = make_key(log, "a")
    d = {key: 1}
    d["a"] = 2  # the insert compares the colliding key: log grows here
    v = d["a"]  # BINARY_SUBSCR, str key, but the dict has a non-str key
    found = "a" in d  # CONTAINS_OP on the same dict
    return v, found, len(log)


def compare_and_contains():
    log = []
    key = make_key(log, "z")
    same = (1, key) == (1, "q")  # tuple compare calls key.__eq__
    inside = "w" in [key]  # list contains compares the item
    inside2 = "v" in (0, key)
    return same, inside, inside2, len(log)


def arithmetic():
    log = []

    class Adds:
        __add__ = log.append
        __lt__ = log.append

    a = Adds()
    r = a + 5  # BINARY_OP on a user object: C __add__ mutates log
    s = a < 3
    xs = [1]
    alias = xs
    alias += [2]  # in-place on a list: xs changes too
    alias *= 2
    t = (xs,)
    try:
        t[0] += [3]  # mutates the list, then fails to store into the tuple
    except TypeError:
        pass
    ys = xs + [9]  # a new list: nothing mutated
    return r, s, xs, ys


def attributes():
    log = []
    store = {}

    class Grabs:
        grab = property(log.append)  # the getter is C: log.append(instance)

    class Missing:
        __getattr__ = store.setdefault  # store[name] = None

    class Plain:
        pass

    g = Grabs()
    g.grab
    m = Missing()
    m.anything
    # Held deep enough that no local renders the odd instance dict itself.
    box = [[[Plain()]]]
    box[0][0][0].__dict__[make_key(log, "a")] = 0
    box[0][0][0].a = 1  # the instance dict has a non-str key colliding with "a"
    v = box[0][0][0].a  # LOAD_ATTR compares it again
    return len(log), store, v


def _reads_a():
    return a  # noqa: F821 -- resolved in the globals given below


def globals_lookup():
    log = []
    g = {"__builtins__": __builtins__}
    g[make_key(log, "a")] = 0
    g["a"] = 5
    reader = types.FunctionType(_reads_a.__code__, g)
    before = len(log)
    value = reader()  # a traced call: its LOAD_GLOBAL compares the colliding key
    return before, value, len(log)


def iteration():
    log = []
    for _ in map(log.append, "xy"):  # FOR_ITER over a C iterator that mutates
        pass
    first, second = map(log.append, "ab")  # UNPACK_SEQUENCE of the same
    total = 0
    for ch in "cd":  # plain str iteration: pure
        total += len(ch)

    def gen(out):
        for ch in "ef":
            out.append(ch)  # inside a traced generator: reported by its own CALL
            yield ch

    for _ in gen(log):
        total += 1
    return log, first, second, total


def helper(xs, d):
    xs.append(len(xs))
    d.update(k=1)


def calls():
    mine = []
    conf = {}
    helper(mine, conf)  # traced callee mutating the caller's objects through C calls
    helper(mine, conf)
    obj = types.SimpleNamespace()
    setattr(obj, "x", 1)  # C function mutating a local
    mine.sort(reverse=True)
    return mine, conf, obj.x


def builtins_and_displays():
    log = []
    key = make_key(log, "k")
    d = {"k": 1, key: 2}  # BUILD_MAP: hashing `key` collides with "k", comparing appends
    s = {key, "k"}  # BUILD_SET, the same
    fmt_log = []

    class Loud:
        __format__ = fmt_log.append  # f"{x:spec}" calls it with the spec, in C

    loud = Loud()
    try:
        text = f"{loud:>4}"  # FORMAT_VALUE / FORMAT_WITH_SPEC on a non-scalar
    except TypeError:
        text = "not a str"
    count_log = []

    class Sized:
        __len__ = count_log.__len__  # len() of a non-builtin calls it (reads only)

    n = len(Sized())
    words = "a b c".split(sep=" ")  # a str method with a keyword argument (pure)
    parts = dict(zip(["x"], [1]))  # dict() of an iterator: not one of the pure conversions
    key_log = []
    try:
        biggest = max(3, 5, key=key_log.append)  # the key is a C method that mutates
    except TypeError:
        biggest = None
    sums = sum([1, 2.5]), round(2.567, 2), min([3, 1]), list(range(1, 4))
    # A C key added after `key`: its insert compares it with the stored `key`, which appends.
    by_key = {k: 0 for k in [key, "k"]}  # MAP_ADD
    key_set = {k for k in [key, "k"]}  # SET_ADD
    display = {key, *("k",)}  # SET_UPDATE
    ints = {i: i * i for i in range(40)}  # MAP_ADD of C keys into C keys: pure, and no scan
    fmts = {"": "F"}

    class LoudStr(str):
        __format__ = fmts.pop  # formatting it with an empty spec pops fmts[""], in C

    class Shown:
        text = LoudStr("x")

        def __repr__(self):  # traced, but what it returns is formatted by C code
            return self.text

    seen = Shown()
    seen.__repr__()  # the first run of its attribute load counts a mutation; the next is pure
    shown = f"{seen!r}"
    return (len(log), sorted(map(str, d.values())), len(s), text, fmt_log, n, words, parts,
            biggest, key_log, sums, len(by_key), len(key_set), len(display), len(ints), shown,
            fmts)


def _holding(xs):
    # Yields while the consumer may change `xs`, which this frame holds: after each resume the
    # frame's state must show what the consumer did.
    for i in range(3):
        seen = len(xs)
        yield i
        after = len(xs)
    return seen, after


def _relay(xs):
    # A `yield from` chain: SEND resumes a traced generator, which reports its own changes.
    got = yield from _holding(xs)
    xs.append("relayed")
    return got


def int_keyed_stores():
    # A dict store with an int key is logged as changing only the dict when every key is an
    # exact int or str. Here a key with the int's hash compares by appending to `log`: the store
    # runs that, so `log` must show the change too.
    log = []

    class Colliding:
        __hash__ = (5).__hash__
        __eq__ = log.append

    plain = {1: "a", "k": "b"}
    plain[2] = "c"  # all keys int/str: targeted to `plain`
    mixed = {Colliding(): 0}
    mixed[5] = 1  # compares the colliding key: log grows here
    memo = {}
    for n in range(6):
        memo[n] = memo.get(n - 1, 0) + n
    # Reads with an int key are pure only while every key is an int or str (the answer is kept
    # per dict version: the second read of `plain` comes after a store that added a bad key).
    found = 5 in mixed  # compares the colliding key again
    got = mixed[5]
    hit = 2 in plain and plain[1] == "a"
    plain[Colliding()] = "x"  # compares with nothing: no int key 5 in `plain` yet
    plain[5] = "y"  # compares the colliding key
    again = 5 in plain
    # Deletes name only their container, and only for int/str keys or plain list indexes.
    holder = {"in": memo}
    del memo[0]
    looked = mixed.get(5)  # dict.get with an int key compares it too
    among = {Colliding(), 1}
    inset = 5 in among  # a set lookup compares the colliding item
    del mixed[5]  # compares the colliding key
    xs = [0, 1, 2, 3, 4]
    nest = [xs]
    del xs[1]
    del xs[1:3]
    return (len(plain), plain[5], len(log), memo, hit, found, got, again, holder, nest, len(mixed),
            looked, inset)


def set_operators():
    # `a | b`, `a & b`, `a - b`, `a ^ b` between small sets of ints and strs run no Python code;
    # an item with a user __eq__ is compared when its hash collides, and `|=` on a set changes it
    # in place: both must show in the state after the instruction.
    log = []

    class Colliding:
        __hash__ = (3).__hash__
        __eq__ = log.append

    cols = frozenset({1, 2})
    grown = cols | {3}  # pure: a new frozenset
    both = {1, "a"} & {"a", 2}
    only = {1, 2, 3} - {2}
    odd = {1, 2} ^ frozenset({2, 3})
    odd_one = {Colliding()} | {3}  # compares the colliding item: log grows here
    acc = {0}
    alias = acc
    alias |= {4}  # in place: acc changes too
    alias -= {0}
    frozen = cols
    frozen |= {9}  # a frozenset: a new one, cols is unchanged
    return sorted(grown), both, only, sorted(odd), len(odd_one), len(log), acc, cols, frozen


def _forward(*args, **kwargs):
    return helper(*args, **kwargs)  # f(*args, **kwargs) of traced code: pure


def _count(*args, **kwargs):
    return len(args) + len(kwargs)


def star_calls():
    import threading

    log = [1, 2]
    xs, d = [], {}
    _forward(xs, d)
    _forward(*[xs], **{"d": d})
    log.append(*[3])  # C code called through CALL_FUNCTION_EX
    log.sort(reverse=True)  # C code called with a keyword (3.13: CALL_KW)
    _forward(xs, d=d)  # traced code called with a keyword
    seen = []

    class Mapping:
        # ** of a mapping that is no dict: keys() and __getitem__ run, here C code that mutates
        keys = seen.copy
        __getitem__ = seen.append

    seen.append("d")
    counted = _count(**Mapping())

    class Manager:
        __enter__ = log.clear  # BEFORE_WITH calls it: C code that mutates
        __exit__ = staticmethod(lambda *exc: None)

    with Manager():
        inside = len(log)
    lock = threading.RLock()
    with lock:  # _thread.RLock: pure
        inside2 = len(log)
        with threading.Lock():
            log.append(4)
    return xs, d, log, seen, counted, inside, inside2


def _rebind_shared():
    box = [1]
    seen = []

    def swap():
        nonlocal box
        box = None  # the list dies: the next one may take its address
        box = [9]

    def peek():
        seen.append(len(box))  # a frame holding the cell as a free variable

    peek()
    swap()  # CALL writes no local of this frame, but the cell changed: the next event shows it
    peek()
    return box, seen


def cells():
    # Frames sharing a cell: STORE_DEREF elsewhere must reach every frame holding the cell,
    # including after instructions that write no local (CALL, FOR_ITER, SEND).
    def gen():
        nonlocal total
        for i in range(3):
            total = total + [i]
            yield len(total)

    total = []
    lens = [n for n in gen()]
    for n in gen():
        lens.append(n)
    return _rebind_shared(), total, lens


def _key_reading(xs, v):
    n = len(xs)  # list.sort empties the list while it runs: this frame sees []
    return -v


def sort_with_traced_key():
    # C code (list.sort) changes the list after the traced key function last saw it: the caller
    # must not reuse that function's snapshot of the list.
    xs = [3, 1, 2]
    xs.sort(key=functools.partial(_key_reading, xs))
    return xs


def generators():
    # C consumers that change what the generator holds between two of its yields.
    xs = []
    xs.extend(_holding(xs))  # list.extend appends each value before resuming the generator
    ys = []
    for v in map(ys.append, _holding(ys)):  # a C iterator between the for loop and the generator
        pass
    zs = [0]
    joined = "-".join(str(v) for v in _holding(zs))  # builds a new string: nothing else changes
    ws = []
    out = list(_relay(ws))  # list() builds a new list; _relay's frames see `ws` change
    for v in _relay(ws):  # FOR_ITER over a traced generator, which yields through `yield from`
        ws.append(v)
    return xs, ys, zs, joined, ws, out


class _Traced:
    def __init__(self, sink, v):
        sink.append(v)  # traced code: reports its own change
        self.v = v


class _CInit:
    __init__ = staticmethod(list.append)  # T(sink, v) runs list.append(sink, v), in C


class _Plain:
    pass


class _Factory:
    # A __new__ written in Python may return an instance of a subclass: type() then runs that
    # subclass's __init__, here C code appending to the caller's list.
    def __new__(cls, sink, v):
        return object.__new__(_FactoryMade if v % 2 else _FactoryPlain)


class _FactoryPlain(_Factory):
    pass


class _FactoryMade(_Factory):
    __init__ = staticmethod(list.append)


_abstract_log = []


class _LoudName(str):
    __lt__ = _abstract_log.append  # sorting the names for the error message calls it, in C


class _Abstract:
    pass


_Abstract.__abstractmethods__ = [_LoudName("b"), _LoudName("a")]


def instantiation():
    # Calling a class is pure only when __init__ is object's or traced Python code.
    log = []
    made = []
    sorted_names = _abstract_log
    for i in range(3):
        made.append(_Traced(log, i))
        _CInit(log, -i)
        _Plain()
        _Factory(log, 10 + i)
        try:
            _Abstract()  # object.__new__ raises, after sorting __abstractmethods__
        except TypeError:
            pass
    return log, [m.v for m in made], len(sorted_names)


def long_lists():
    # Past the capture window an append or pop changes only the list's length, unless something
    # the window holds changed too.
    big = list(range(70))
    for i in range(4):
        big.append(_Plain())
    while len(big) > 66:
        big.pop()
    big[65] = "x"
    objs = [_Plain() for _ in range(70)]
    first = objs[3]
    for i in range(3):
        first.v = i  # an item inside the window changes along with the length
        objs.append(i)
        inner = objs[5].__dict__
        inner["w"] = i  # through the instance dict
        objs.append(-i)
        objs.pop()
    nested = [[j] for j in range(70)]
    row = nested[2]
    row.append(7)
    nested.append([])
    # The same for a dict past the window: new keys change only its length.
    table = {f"k{j}": [j] for j in range(70)}
    kept = table["k4"]
    for j in range(3):
        table[f"new{j}"] = j
        kept.append(j)  # a value inside the window changes along with the length
        table[f"more{j}"] = j
        table["k6"] = -j  # a key inside the window
        table[f"k{66 + j}"] = j  # an existing key past the window
    return (len(big), big[-1], first.v, objs[5].w, len(objs), nested[2], len(table), table["k4"],
            table["k6"])


print(dict_lookups())
print(compare_and_contains())
print(set_operators())
print(arithmetic())
print(attributes())
print(globals_lookup())
print(iteration())
print(calls())
print(builtins_and_displays())
print(generators())
print(sort_with_traced_key())
print(int_keyed_stores())
print(cells())
print(star_calls())
print(instantiation())
print(long_lists())
