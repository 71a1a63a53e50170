# Covers: stores whose events the recorder leaves implied (STORE_FAST and 3.13's pair forms) and
# LOAD_GLOBAL judged at its event: the value a store replaces changed in place by the instruction
# before it (a traced callee, C code, a generator the loop resumes), a store whose event was
# switched off before its value became a list that C code changes, stores next to returns and
# raises, chains of stores, a callee rebinding the local a store replaces (3.13), and a
# LOAD_GLOBAL whose globals run code. (A finalizer run by a store is in test_implied_opcodes.py:
# the pure-Python oracle holds the locals it reads, which moves finalizers.)
import operator
import sys


def replace_after_mutating(xs):
    xs.append("mutated")
    return ["new"]


def traced_callee():
    xs = [1, 2]
    for _ in range(3):
        xs = replace_after_mutating(xs)  # the old list changes inside the CALL
    return xs


def c_callee(n):
    acc = []
    for i in range(n):
        acc = acc.__iadd__([i])  # C code changes the old value and returns it
    return acc


def switched_off_then_mutable(n):
    v = 0
    for i in range(n):
        w = [i] if isinstance(v, list) else 1
        v = operator.iadd(v, w)  # an int for a while (the store is implied), then a list
        if v == 3:
            v = []
    return v


def refill(n):
    buf = []
    for i in range(n):
        buf.append(i)
        yield buf


def finish_previous(n):
    prev = None
    for i in range(n):
        if prev is not None:
            prev.append("done")
        prev = [i]
        yield prev


def generators():
    sizes = [len(chunk) for chunk in refill(3)]
    seen = []
    for row in finish_previous(3):  # the generator changes the row the loop still holds
        seen.append(list(row))
    return sizes, seen


def chains(a, b):
    a, b = b, a
    x = y = [a]
    i = j = 0
    for i, (p, q) in enumerate([(1, 2), (3, 4)]):
        j = p + q
    t = 1
    t = 2  # the same slot twice in a row: the second is recorded
    r = a + b
    return x is y, i, j, t, r


def store_then_raise():
    x = 1
    try:
        y = x + undefined_name  # noqa: F821  (LOAD_GLOBAL raises after the implied store)
    except NameError:
        y = -x
    return y


def rebinds_caller(depth):
    frame = sys._getframe(1)
    if sys.version_info >= (3, 13):
        frame.f_locals["z"] = ["written", depth]  # the caller's z, just before it stores z
    return depth


def proxy_write():
    z = [0]
    for k in range(2):
        z = rebinds_caller(k)
    return z


class Globals(dict):
    def __missing__(self, key):
        return 40


def exotic_globals():
    ns = Globals()
    exec("def g():\n    x = 2\n    return missing + x\n", ns)
    return ns["g"](), ns["g"]()


def c_call_results(words):
    n = 0
    for w in words:
        n = len(w)  # C code that changes nothing: the store stays implied
        s = w.upper()
    return n, s


print(traced_callee())
print(c_callee(4))
print(switched_off_then_mutable(8))
print(generators())
print(chains(1, 2))
print(store_then_raise())
print(proxy_write())
print(exotic_globals())
print(c_call_results(["ab", "cde"]))
