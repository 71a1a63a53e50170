# Covers: finalizers that run inside instructions whose events are implied (a dropped call result that was the last reference: POP_TOP, `is None` tests): a __del__ printing output, a weakref callback, a suspended generator closed with its `finally`, and locals changed just before, so their state must come before the finalizer's events.
import opcode
import sys
import weakref

seen = []


def where(depth=2):
    """Function and instruction of the frame `depth` levels up from the caller of where()."""
    f = sys._getframe(depth)
    return f.f_code.co_name + ":" + opcode.opname[f.f_code.co_code[f.f_lasti]]


class Noisy:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        seen.append((self.name, where()))
        print("del", self.name)


def make(name):
    return Noisy(name)


def statement():
    x = 1
    make("dropped")
    x = x + 1
    for i in range(3):
        x = x + i
        make("loop%d" % i)
    return x


def none_test():
    y = "before"
    if make("tested") is None:
        return 0
    y = "after"
    if make("tested2") is not None:
        return y
    return 1


def callback():
    log = []
    keep = [Noisy("weak")]
    r = weakref.ref(keep[0], lambda _: log.append(where(2)))
    z = len(keep)
    keep.pop()
    return log, r() is None, z


def gen():
    try:
        yield 1
        yield 2
    finally:
        seen.append(("gen closed", where(2)))


def start_gen():
    g = gen()
    next(g)
    return g


def drop_gen():
    w = 5
    start_gen()
    return w


print(statement())
print(none_test())
print(callback())
print(drop_gen())
for item in seen:
    print(item)
