# Covers: collections' pure-Python OrderedDict (a doubly linked list of __slots__ _Link objects
# reached through weakref proxies, name-mangled private attributes, move_to_end/popitem),
# namedtuple without _tuplegetter (classes built by exec, property(itemgetter)), Counter without
# _count_elements, ChainMap, UserDict/UserList; copy.copy with __copy__ and __reduce_ex__
# reconstruction of objects with __slots__ and __getattr__; graphlib's TopologicalSorter (a
# _NodeInfo class with __slots__, CycleError); reprlib.Repr with level limits. Objects with
# side-effecting dunders count how often they run, so that a recorder calling them would change
# the output. (deepcopy and pprint are left out: their memo/context dicts are keyed by id().)
import sys
import re, dataclasses, copyreg, weakref, heapq  # their own imports need the real collections
sys.modules["_collections"] = None
import pycollections as C, pycopy, pygraphlib, pyreprlib

CALLS = []

class Loud:
    __slots__ = ("tag", "_Loud__secret", "__weakref__")
    def __init__(self, tag):
        self.tag = tag
        self.__secret = tag * 2
    def __repr__(self):
        CALLS.append("repr")
        return "Loud(%r)" % self.tag
    def __eq__(self, other):
        CALLS.append("eq")
        return isinstance(other, Loud) and other.tag == self.tag
    def __hash__(self):
        CALLS.append("hash")
        return hash(self.tag)

class Lazy:
    def __init__(self, n):
        self.n = n
        self.kids = []
    def __getattr__(self, name):
        CALLS.append("getattr:" + name)
        raise AttributeError(name)
    @property
    def size(self):
        CALLS.append("size")
        return 1 + sum(k.size for k in self.kids)

# OrderedDict: pure-Python linked list
od = C.OrderedDict()
for i, k in enumerate("delta alpha charlie bravo echo".split()):
    od[k] = i
od.move_to_end("alpha")
od.move_to_end("echo", last=False)
od["delta"] += 10
del od["charlie"]
print(list(od.items()), od.popitem(), od.popitem(last=False))
od2 = C.OrderedDict.fromkeys("xyz", 0)
od2.update(y=5, w=1)
print(od2 == C.OrderedDict([("x", 0), ("y", 5), ("z", 0), ("w", 1)]), list(reversed(od2)))
od2.setdefault("q", []).append(od2)
print(len(od2), od2.pop("x"), od2.pop("nope", "dflt"))
try:
    od2.pop("nope")
except KeyError as e:
    print("KeyError", e)

# namedtuple
Point = C.namedtuple("Point", "x y", defaults=(0,))
Pix = C.namedtuple("Pix", ["pt", "color", "class"], rename=True)
p = Point(3)
q = p._replace(y=4)
px = Pix(q, "red", "c")
print(p, q, q._asdict(), px, Pix._fields, q.x + q.y, Point._make([7, 8]))
try:
    Point(1, 2, 3)
except TypeError as e:
    print("TypeError", e)

# Counter
words = "the quick brown fox jumps over the lazy dog the fox".split()
c = C.Counter(words)
c.update({"dog": 2, "cat": 1})
c.subtract(["the", "the", "zebra"])
print(c.most_common(3), sorted((c + C.Counter("aab")).items())[:5], (c & C.Counter(fox=1)), +c == c, c.total())
c2 = C.Counter(a=3, b=-1) | C.Counter(b=2)
print(c2, -C.Counter(x=-2), sorted(c2.elements()))

# ChainMap, UserDict, UserList
base = {"color": "red", "user": "guest"}
cm = C.ChainMap({}, {"user": "admin"}, base)
child = cm.new_child({"color": "blue"})
child["extra"] = [1, 2]
child["extra"].append(3)
print(child["color"], child["user"], sorted(child), dict(child.parents), len(child))
try:
    del cm["color"]
except KeyError as e:
    print("ChainMap KeyError", e)

class Registry(C.UserDict):
    def __setitem__(self, key, value):
        super().__setitem__(key.lower(), value)

reg = Registry({"A": 1})
reg["B"] = [reg.data]
reg.update(C_=3)
ul = C.UserList([3, 1, 2])
ul.sort()
ul += [9]
ul[1:2] = [10, 11]
print(dict(reg.data), ul.data, ul.count(10), ul * 2)

# shallow copies (deepcopy and pprint key their memo/context dicts by id(), which differs
# between runs, so they are left out)
class Node:
    def __init__(self, v):
        self.v = v
        self.next = None
        self.tags = {v: [v]}

class Custom:
    def __init__(self, data):
        self.data = data
        self.cache = {"x": 1}
    def __copy__(self):
        new = Custom(self.data[:])
        new.cache = dict(self.cache, copied=True)
        return new

a, b = Node(1), Node(2)
a.next, b.next = b, a
sa = pycopy.copy(a)
sa.tags[1].append("shared")
print(sa.next is b, a.tags, sa is a)
cu = Custom([[1], [2]])
cs = pycopy.copy(cu)
cs.data[0].append(9)
print(cs.data is cu.data, cu.data, cs.cache, pycopy.copy([1, [2]]), pycopy.copy(Point(1, 2)))
lz = Lazy(1)
lz.kids.append(Lazy(2))
lz2 = pycopy.copy(lz)
print(lz2.size, lz2.kids is lz.kids)
sl = pycopy.copy(Loud("s"))
print(sl.tag, sl._Loud__secret, pycopy.copy(od2) == od2)

# graphlib
ts = pygraphlib.TopologicalSorter({"d": {"b", "c"}, "b": {"a"}, "c": {"a"}, "e": {"d"}})
ts.add("f", "e", "a")
ts.prepare()
order = []
while ts.is_active():
    ready = sorted(ts.get_ready())
    order.append(ready)
    ts.done(*ready)
print(order)
try:
    list(pygraphlib.TopologicalSorter({1: {2}, 2: {3}, 3: {1}}).static_order())
except pygraphlib.CycleError as e:
    print("cycle", e.args[0], sorted(e.args[1]))

# reprlib
r = pyreprlib.Repr()
r.maxlist = 3
r.maxlevel = 2
print(r.repr([[1, [2, [3, [4]]]], list(range(10))]), r.repr("s" * 100), r.repr({i: str(i) for i in range(8)}))

print(CALLS)
