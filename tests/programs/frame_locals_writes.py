# Covers: on 3.13, writes into another frame's fast locals through `frame.f_locals` (PEP 667
# write-through proxies): a callee rebinds its caller's str and int twice, by item assignment and
# by update(), and the caller sees no event in between, so the second value can be allocated
# where the first one was freed; names that are not locals of the code added to the caller and
# rebound (the frame's extra locals, shown after its fast locals); a frame writing its own
# locals through its proxy. On 3.11/3.12 `f_locals` is a snapshot dict (writes reach the frame
# only through a tracer's locals-to-fast sync, which differs between tracers), so the program
# only reads it there.
import sys

WRITES = sys.version_info >= (3, 13)


def make(prefix, n):
    return "".join([prefix] * n)


def rebind_twice():
    f = sys._getframe(1)
    if WRITES:
        f.f_locals["s"] = make("x", 40)
        f.f_locals["s"] = make("y", 40)
        f.f_locals["n"] = 10**12 + int("7")
        f.f_locals["n"] = 10**12 + int("9")
    return len(f.f_locals)


def rebind_by_update():
    f = sys._getframe(1)
    if WRITES:
        f.f_locals.update({"s": make("u", 40), "n": 10**12 + int("1")})
        f.f_locals.update({"s": make("v", 40), "n": 10**12 + int("3")})
        f.f_locals.setdefault("fresh", 5)
        f.f_locals["extra"] = [make("e", 3)]
        f.f_locals["fresh"] = 6
    return sorted(f.f_locals)[:2]


def caller():
    s = make("a", 40)
    n = 10**12 + int("5")
    k = rebind_twice()
    t = s[:3] + str(n % 100)
    keys = rebind_by_update()
    u = s[:3] + str(n % 100)
    return t, u, k, keys


def own_proxy():
    x = make("p", 10)
    if WRITES:
        sys._getframe().f_locals["x"] = make("q", 10)
    return x


print(caller())
print(own_proxy())
