# Covers: stores and C-method calls the recorder treats as mutating one known object
# (STORE_SUBSCR on an exact list/dict, STORE_ATTR on a plain instance, list.append & co.): after
# such an instruction it re-checks only the locals whose last snapshot read that object. Each case
# hides the changed object behind another local (aliases, containers, an instance's __dict__,
# slots, a caller's frame, a list item replaced by a new list at a freed list's address), so a
# local wrongly left unchecked shows a stale value.


class Obj:
    def __init__(self):
        self.x = 1


class Slotted:
    __slots__ = ("a", "b")


class Guarded:
    def __init__(self):
        self.log = []

    def __setattr__(self, name, value):
        # Python-level __setattr__: the store runs traced code, never a targeted one.
        object.__setattr__(self, name, value)


class WithProperty:
    def __init__(self):
        self._v = []

    @property
    def v(self):
        return self._v

    @v.setter
    def v(self, value):
        self._v.append(value)


class Dying:
    def __init__(self, log):
        self.log = log

    def __del__(self):
        # Runs while a store drops the last reference to this object.
        self.log.append("died")


def aliases():
    a = [1, 2, 3]
    b = a
    c = [a, 5]
    d = {"k": c}
    a[0] = 9
    b[2] = 7
    return c, d


def dict_stores():
    d = {"x": 1}
    holder = {"inner": d, "list": [d]}
    d["x"] = 2
    d["y"] = 3
    other = {1: "int key"}
    other[2] = "another"
    return holder, other


def instance_dicts():
    o = Obj()
    od = o.__dict__
    wrapper = [o]
    o.x = 5
    o.y = 6
    od["z"] = 7
    p = Obj()
    p.a = 1
    q = vars(p)
    p.a = 2
    q["a"] = 3
    return wrapper, od, q


def slots_and_hooks():
    s = Slotted()
    t = [s]
    s.a = 1
    s.b = [s.a]
    s.a = 2
    g = Guarded()
    gs = [g]
    g.log = ["set"]
    w = WithProperty()
    ws = {"w": w}
    w.v = 10
    return t, gs, ws


def callee_store(z):
    z[0] = "from callee"
    z.append("appended")


def callers():
    z = [0]
    w = [z, {"z": z}]
    callee_store(z)
    callee_store(w[0])
    return w


def freed_addresses():
    xs = [[0, 0], [1, 1], [2, 2]]
    ys = xs
    grid = {"rows": xs}
    for i in range(30):
        # The replaced inner list dies here, and the next new list often reuses its address.
        xs[i % 3] = [i, i * 2]
    row = xs[1]
    row[0] = "edited"
    return ys, grid


def deaths():
    log = []
    box = [Dying(log), 1]
    view = {"log": log}
    box[0] = None
    return view, box


def methods():
    items = []
    index = {"items": items}
    for i in range(5):
        items.append(i)
    items.insert(0, "first")
    items.pop()
    items.extend((7, 8))
    counts = {}
    table = [counts]
    for word in ("a", "b", "a"):
        counts[word] = counts.get(word, 0) + 1
    counts.setdefault("c", 0)
    counts.pop("b")
    size = len(items) + len(counts)
    kinds = isinstance(items, list), isinstance(size, (int, float))
    items.clear()
    return index, table, size, kinds


def deep():
    deep = [[[[[0]]]]]
    top = [deep]
    inner = deep[0][0][0]
    inner[0] = [1]
    inner[0][0] = 2
    return top


def main():
    print(aliases())
    print(dict_stores())
    wrapper, od, q = instance_dicts()
    print(wrapper[0].x, od, q)
    print(slots_and_hooks()[0][0].a)
    print(callers())
    print(freed_addresses())
    print(deaths())
    print(methods())
    print(deep())


main()
