# Covers: weakref's pure-Python containers (WeakValueDictionary with KeyedRef callbacks that are
# traced closures, run when the last strong reference goes inside a `del`, a store or a list
# slice deletion; its _pending_removals while iterating; WeakKeyDictionary; WeakMethod; finalize
# objects called explicitly, at death and detached), random's pure-Python methods over the C
# generator (shuffle, sample, choices with cumulative weights, gauss's cached second value,
# getstate/setstate), and operator without `_operator` (attrgetter, itemgetter, methodcaller:
# __slots__ classes with __call__, reduce-style helpers). Keys and values are given hashes and
# orders that do not depend on addresses, which differ between the recorded run and the
# reference tracer's. Objects with side-effecting dunders count how often they run, so that a
# recorder calling them would change the output.
import sys
import random, operator, itertools, math, os, bisect, _weakref, _weakrefset  # the copies' imports
sys.modules["_operator"] = None
import pyoperator, pyrandom, pyweakref

CALLS = []


class Key:
    def __init__(self, name):
        self.name = name

    def __hash__(self):
        CALLS.append("hash:" + self.name)
        return hash(self.name)

    def __eq__(self, other):
        CALLS.append("eq")
        return isinstance(other, Key) and other.name == self.name

    def __repr__(self):
        CALLS.append("repr")
        return "Key(%s)" % self.name


class Node:
    def __init__(self, n):
        self.n = n
        self.links = []

    def method(self, k):
        return self.n * k


# ---- WeakValueDictionary: callbacks run inside implied instructions ----
wvd = pyweakref.WeakValueDictionary()
nodes = [Node(i) for i in range(6)]
for node in nodes:
    wvd["n%d" % node.n] = node
del node
print(len(wvd), sorted(wvd))
gone = nodes.pop()
del gone                                 # KeyedRef callback: a traced closure
print(len(wvd), "n5" in wvd)
del nodes[:2]                            # two callbacks inside one instruction
print(len(wvd), sorted(wvd))
# (Deaths happen at module level only: the reference tracer's f_locals snapshot of a function or
# generator frame keeps a dropped local alive until its next event, one event longer than in a
# plain run.)
with pyweakref._IterationGuard(wvd):     # removals wait in _pending_removals
    nodes.remove(nodes[1])
    print("pending", len(wvd._pending_removals))
print(len(wvd), sorted(wvd))
print(wvd.get("n2").n, wvd.setdefault("n9", nodes[0]).n, wvd.pop("n4").n)

# ---- WeakKeyDictionary with counting keys ----
keys = [Key(c) for c in "abcd"]
wkd = pyweakref.WeakKeyDictionary()
for i, k in enumerate(keys):
    wkd[k] = i
del k
print(len(wkd), wkd[keys[1]])
keys[2] = Key("z")                       # the old key dies in a store
print(len(wkd), sorted(key.name for key in wkd.keys()))
wkd.update({keys[2]: 9})
print(sorted((key.name, v) for key, v in wkd.items()))

# ---- WeakMethod and finalize ----
holder = Node(7)
wm = pyweakref.WeakMethod(holder.method)
print(wm()(3))
log = []
f1 = pyweakref.finalize(holder, log.append, "holder gone")
f2 = pyweakref.finalize(nodes[0], log.append, "node gone")
print(f1.alive, f1.peek()[2], f2.detach()[2], f2.alive)
holder = None                            # finalize runs inside this store
print(log, wm(), f1.alive)
f3 = pyweakref.finalize(nodes[-1], sorted, [3, 1, 2])
print(f3(), f3(), f3.alive)

# ---- churn: values dying one by one, some while iterating ----
pool = [Node(i) for i in range(40)]
churn = pyweakref.WeakValueDictionary((i, n) for i, n in enumerate(pool))
for step in range(12):
    victim = pool.pop(step % len(pool))
    del victim
    if step % 4 == 0:
        for i in list(churn.keys())[:3]:
            churn[i].links.append(step)
print(len(churn), sorted(churn)[:5], sum(len(n.links) for n in churn.values()))

# ---- random on fixed seeds ----
for seed in (1, 22, 333):
    r = pyrandom.Random(seed)
    xs = list(range(12))
    r.shuffle(xs)
    print(seed, xs, r.sample(xs, 4), r.choices(xs, k=3), round(r.random(), 12))

rng = pyrandom.Random(12345)
deck = list(range(20))
rng.shuffle(deck)
print(deck)
print(rng.sample(range(100), 7), rng.sample(["x", "y", "z"], counts=[2, 1, 3], k=4))
print(rng.choices("abc", weights=[5, 1, 2], k=8), rng.choices("abc", cum_weights=[1, 2, 9], k=5))
state = rng.getstate()
print(round(rng.gauss(0, 1), 12), round(rng.gauss(0, 1), 12))
rng.setstate(state)
print(round(rng.gauss(0, 1), 12), rng.randrange(10, 100, 7), rng.randint(1, 6))
print(round(rng.triangular(0, 10, 3), 12), round(rng.betavariate(2, 3), 12),
      round(rng.expovariate(1.5), 12), rng.getrandbits(40), rng.randbytes(5).hex())

# ---- operator without _operator ----
recs = [Node(i) for i in (5, 2, 9, 1)]
for r, other in zip(recs, recs[1:]):
    r.links.append(other)
by_n = pyoperator.attrgetter("n")
deep = pyoperator.attrgetter("links", "n")
print([by_n(r) for r in sorted(recs, key=by_n)], deep(recs[0])[1])
pick = pyoperator.itemgetter(2, 0)
print(pick("abcdef"), pyoperator.itemgetter(slice(1, 3))([4, 5, 6]))
call = pyoperator.methodcaller("method", 4)
print([call(r) for r in recs], repr(call).startswith("pyoperator.methodcaller"))
print(pyoperator.index(7), pyoperator.length_hint(iter(range(4))), pyoperator.concat([1], [2]),
      pyoperator.countOf([1, 2, 1], 1), pyoperator.indexOf("abc", "c"))
acc = [1, 2]
acc = pyoperator.iadd(acc, [3])
print(acc, pyoperator.ipow(2, 5), pyoperator.truth(0), pyoperator.is_not(acc, None))

print("calls:", CALLS)
