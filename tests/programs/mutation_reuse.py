# Covers: in-place changes the recorder's cheap "unchanged?" check must not miss: a scalar
# replaced by another one at the same address (float/int/str freelists) while the caller's frame
# sees no event, same-length strings, nested lists/dicts/objects/slots changed below the top,
# attributes added and deleted, a class renamed, an object's class swapped, a function renamed
# after it was bound (functools.update_wrapper, as lru_cache and hand-written decorators do), a
# module renamed after it was bound (by attribute, through vars(), by dict.update, as runpy-style
# code fills a fresh module's namespace), held directly, in a tuple, in a dict, and as a global;
# a class renamed twice by a callee that reaches it through a global (no check in between): the
# second name can be allocated where the first one was freed, so names compare by content; a
# cell rebound twice by a callee (a str, an int): the caller sees no event in between, and the
# second value can be allocated where the first one was freed; a global rebound twice by a
# function (`global`), seen by the module frame only after the call.
import functools
import sys
import types

scratch = types.ModuleType("scratch")
label = "".join(["first", "!"])


def relabel_twice():
    global label
    label = "".join(["secnd", "!"])
    label = "".join(["third", "!"])


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


class Slotted:
    __slots__ = ("a", "b")


class Other:
    pass


def bump_twice(v):
    # The first new float is made while the old one is alive; the second can take the address
    # the first old float freed: the list then holds the same pointer with a different value.
    v[0] = v[0] + 1.0
    v[0] = v[0] + 1.0


def rename_twice(words):
    words[0] = words[0][:-1] + "x"
    words[0] = words[0][:-1] + "y"


def deep_change(grid, table, pt, s):
    grid[1][0][0] = grid[1][0][0] * 2.5
    table["k"]["inner"].append(7)
    pt.x = pt.x + 0.5
    pt.y = "changed"
    s.b = [s.a]


def shuffle_attrs(pt):
    del pt.x
    pt.z = 3
    pt.x = 1.0


def decorate(fn):
    def wrapper(*args):
        return fn(*args)

    functools.update_wrapper(wrapper, fn)  # `wrapper` now renders as `fn`'s name
    holder = (wrapper, 1)
    wrapper.__qualname__ = "renamed_again"  # a plain attribute store
    return wrapper, holder


def rename_module():
    m = types.ModuleType("before")
    pair = (m, 1)  # a tuple of a module and an int, checked like any tuple of mutable values
    table = {"mod": m}
    m.__name__ = "after"  # a store to the module and its dict, naming both
    vars(m)["__name__"] = "again"  # a store to the dict alone
    vars(m).update(__name__="updated")  # C code nobody names
    scratch.__name__ = "scratch_renamed"  # the global, seen by the module frame after return
    return pair, table


class Twice:
    pass


def rename_class_in_callee(a, b):
    Twice.__qualname__ = "".join([a, "!"])
    Twice.__qualname__ = "".join([b, "!"])


def rename_class_twice():
    k = Twice
    k.__qualname__ = "".join(["First", "!"])
    for a, b in (("Secnd", "Third"), ("Fouth", "Fifth"), ("Sixth", "Seven")):
        rename_class_in_callee(a, b)
    return k


def cell_rebound_twice():
    s = "".join(["first", "!"])
    n = int("1" * 20)

    def rebind_twice():
        nonlocal s, n
        s = "".join(["secnd", "!"])
        s = "".join(["third", "!"])
        n = n + 1
        n = n + 1

    for _ in range(3):
        rebind_twice()
    return s, n


def run():
    decorate(bump_twice)
    cell_rebound_twice()
    rename_module()
    rename_class_twice()
    v = [1.0, 2.0]
    for _ in range(3):
        bump_twice(v)
    words = ["aaaa", "bbbb"]
    rename_twice(words)
    grid = [[[0.5]], [[1.5]]]
    table = {"k": {"inner": []}}
    pt = Point(1.0, 2.0)
    s = Slotted()
    s.a = 1
    deep_change(grid, table, pt, s)
    deep_change(grid, table, pt, s)
    shuffle_attrs(pt)
    holder = [pt, s, v]
    pt.x = -1.0
    s.a = None
    Point.__qualname__ = "Renamed"
    n = len(holder)
    pt.__class__ = Other
    n += 1
    big = [i * 1.5 for i in range(40)]
    big[39] = big[38]
    big.sort(reverse=True)
    return v, words, grid, table, n, big[0]


relabel_twice()
print(run(), label)
sys.stdout.flush()
