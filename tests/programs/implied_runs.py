# Covers: instructions whose opcode events the recorder leaves implied (loads, copies, swaps) at every kind of place: after calls and resumptions, after loop exits, around branches and handlers, in runs longer than 255, next to EXTENDED_ARG, and an unbound local raising at one (3.11's LOAD_FAST).


def after_loop(xs):
    total = 0
    for x in xs:
        total += x
    # The loop's exit lands past END_FOR: a load that is a jump target in fact.
    return total


def branches(a, b):
    c = a if a > b else b
    d = (a < b < c) or (b < a < c)
    e = not a and b
    return c, d, e


def handler(v):
    try:
        w = 10 // v
    except ZeroDivisionError:
        w = v
    finally:
        z = w
    return w, z


def unbound_at_load():
    x = 1
    del x
    try:
        y = x + 1  # 3.11: LOAD_FAST raises; 3.12+: LOAD_FAST_CHECK
    except UnboundLocalError:
        y = -1
    return y


def gen(n):
    for i in range(n):
        got = yield i
        i2 = got
        print("got", i2, i)


def kw(a, b=0, *, c=1):
    return a + b * c


def long_run(a):
    # Far more than 255 loads in a row before the BUILD_LIST.
    return [a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a,
            a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a]


# A function with more than 256 locals: loads of the last ones need EXTENDED_ARG.
many = "def many_locals():\n" + "".join("    v%d = %d\n" % (k, k) for k in range(300)) + \
    "    s = v0 + v299\n    t = v298\n    return s + t + v1\n"
exec(compile(many, __file__ + ":many_locals", "exec"))


def swap_and_copy(p, q):
    p, q = q, p
    r = s = p
    return p, q, r, s


def closure(k):
    def inner(m):
        return m + k
    return inner(k)


def nested_calls(a):
    return kw(kw(a, 2), b=kw(a, c=3), c=kw(a))


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def moved(self, dx):
        return Point(self.x + dx, self.y)


def main():
    print(after_loop([1, 2, 3]), after_loop([]))
    print(branches(1, 2), branches(3, 2))
    print(handler(2), handler(0))
    print(unbound_at_load())
    g = gen(3)
    print(next(g))
    print(g.send("a"))
    print(g.send("b"))
    try:
        g.send("c")
    except StopIteration:
        print("done")
    print(kw(1, 2, c=3), nested_calls(4))
    print(sum(long_run(1)))
    print(many_locals())
    print(swap_and_copy(1, 2), closure(5))
    pt = Point(1, 2).moved(3).moved(4)
    print(pt.x, pt.y)
    print([q * 2 for q in range(4) if q], {k: k for k in "ab"})
    n = 0
    while n < 5:
        n += 1
        if n == 3:
            continue
    print(n)


main()
