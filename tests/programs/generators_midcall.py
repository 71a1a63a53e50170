# Covers: generators resumed by Python code that C code calls back (a sort key, a defaultdict
# factory, a mapping's __getitem__ read by dict.update, a finalizer, islice inside extend,
# min/sum/set over a generator): they suspend while that C code is still changing objects they
# hold, and show the finished change when they next run.
import collections
import itertools


def watch(held):
    while True:
        got = yield len(held)
        if got is not None:
            held = got


def sort_with_generator_key():
    xs = [3, 1, 2]
    w = watch(xs)
    next(w)
    xs.sort(key=lambda v: next(w) * 0 + v)  # sort empties xs while the key runs
    seen = next(w)
    return xs, seen


def defaultdict_factory():
    w = None

    def factory():
        next(w)
        return 0

    dd = collections.defaultdict(factory)
    w = watch(dd)
    next(w)
    dd["k"]  # the key is inserted after the factory (and the generator) ran
    seen = next(w)
    return dict(dd), seen


class Source:
    def __init__(self, w):
        self.w = w

    def keys(self):
        return ["a", "b"]

    def __getitem__(self, k):
        next(self.w)
        return k * 2


def update_from_mapping():
    d = {}
    w = watch(d)
    next(w)
    d.update(Source(w))
    seen = next(w)
    return d, seen


class Dying:
    def __init__(self, box):
        self.box = box

    def __del__(self):
        next(self.box[0])


def finalizer_during_update():
    box = []
    d = {"a": Dying(box), "b": 1}
    box.append(watch(d))
    next(box[0])
    d.update({"a": 2, "b": 3})  # the finalizer runs between the two stores
    seen = next(box[0])
    return d, seen


def numbers(held):
    for i in range(5):
        yield i
        held.append(-i)


def extend_from_islice():
    xs = []
    g = numbers(xs)
    xs.extend(itertools.islice(g, 2))  # extend appends after each yield
    rest = next(g)
    return xs, rest


class Bigger:
    __gt__ = None


def consumers():
    log = []

    class Logged:
        __gt__ = log.__iadd__  # min compares in C, after the generator yielded

        def __radd__(self, other):
            return self

        __add__ = log.append
        __eq__ = log.__iadd__

        def __hash__(self):
            return hash("ab")

    def gen(held, items):
        for item in items:
            yield item
        n = len(held)
        return n

    lowest = min(gen(log, [Logged(), "ab"]))
    total = sum(gen(log, [Logged(), 1]))
    unique = set(gen(log, [Logged(), "ab"]))
    return type(lowest).__name__, type(total).__name__, len(unique), log


print(sort_with_generator_key())
print(defaultdict_factory())
print(update_from_mapping())
print(finalizer_during_update())
print(extend_from_islice())
print(consumers())
