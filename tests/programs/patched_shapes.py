# Covers: changes deep inside graphs that several locals reach, which the recorder re-checks by
# walking again only the nodes a change names and splicing them into each local's shape: the
# same list at several places of one graph (an n-body system's pairs), a change that keeps the
# subtree's size (a float for a float) and one that grows or shrinks it (an append inside the
# capture window, a new key, an attribute added or deleted), two changed nodes of which one
# holds the other, an object that gains an instance dict after it was walked, an item replaced
# by an equal new object, a change below the depth limit, a graph that holds itself, and the
# same graph held by a caller and by a generator, all driven by a seeded random sequence.
import random


class Body:
    def __init__(self, name, pos):
        self.name = name
        self.pos = pos


class Slotted:
    __slots__ = ("items", "tag")

    def __init__(self, items):
        self.items = items
        self.tag = "s"


def make_world(rng):
    bodies = [[[rng.random(), rng.random()], [0.0, 0.0], float(k)] for k in range(4)]
    pairs = [(bodies[i], bodies[j]) for i in range(4) for j in range(i + 1, 4)]
    table = {"bodies": bodies, "meta": {"n": 4, "names": ["a", "b", "c", "d"]}}
    objs = [Body(n, bodies[k][0]) for k, n in enumerate("abcd")]
    slotted = Slotted(bodies[1])
    deep = [[[[["leaf"]]]]]
    loop = [1, [2]]
    loop[1].append(loop)
    return bodies, pairs, table, objs, slotted, deep, loop


def step(rng, bodies, pairs, table, objs, slotted, deep, loop):
    # Every local of this frame reaches some of what changes: each store is re-checked in all.
    op = rng.randrange(14)
    k = rng.randrange(4)
    if op == 0:
        bodies[k][1][0] += 0.5  # same size: a float for a float
    elif op == 1:
        bodies[k][0].append(rng.random())  # grows inside the window
    elif op == 2:
        if len(bodies[k][0]) > 2:
            bodies[k][0].pop()  # shrinks
    elif op == 3:
        table["meta"]["names"][k] = table["meta"]["names"][k] + "!"
    elif op == 4:
        table["meta"]["extra" + str(k)] = k  # a new key
    elif op == 5:
        objs[k].pos = [9.0, float(k)]  # a new list where the old one was
    elif op == 6:
        objs[k].note = "n" + str(k)  # an attribute added
    elif op == 7:
        if hasattr(objs[k], "note"):
            del objs[k].note  # and deleted
    elif op == 8:
        outer = bodies[k]
        outer[2] = outer[2] + 1.0  # the holder and what it holds change in one step
        outer[1][1] = -outer[2]
    elif op == 9:
        slotted.items[1][0] = float(rng.randrange(3))  # through a slot
    elif op == 10:
        deep[0][0][0][0][0] = "leaf" + str(k)  # below the capture's depth limit
    elif op == 11:
        loop[1][0] = k  # a graph that holds itself
    elif op == 12:
        bodies[k][0] = list(bodies[k][0])  # an equal new list replaces the old one
    else:
        pairs[k][0][1][k % 2] = 0.25 * k  # the same list reached through the pairs
    return op


def walker(bodies):
    # A generator holding the same graph: re-checked at each resumption.
    total = 0.0
    while True:
        first = bodies[0]
        total += first[1][0]
        yield total


def run():
    rng = random.Random(14)
    bodies, pairs, table, objs, slotted, deep, loop = make_world(rng)
    gen = walker(bodies)
    seen = []
    for _ in range(160):
        op = step(rng, bodies, pairs, table, objs, slotted, deep, loop)
        seen.append(op)
        got = next(gen)
    print(sorted(set(seen)), round(got, 3), len(bodies[0][0]), sorted(table["meta"]))
    print([len(b[0]) for b in bodies], [hasattr(o, "note") for o in objs], deep[0][0][0][0][0])


run()
