# Covers: scalar stores into lists, tuples and dicts of scalars held by other containers and
# locals, which the recorder records by patching the records along the path to the change
# (ValueCapture patchRecords); every case below must replay as a full capture would show it,
# including those it must leave alone.


def bodies_and_pairs(steps):
    bodies = [[[0.0, 1.0, 2.0], [0.5, -0.5, 0.25], 3.0], [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], 1.0],
              [[5.0, -2.0, 0.0], [0.1, 0.2, 0.3], 0.5]]
    pairs = [(bodies[i], bodies[j]) for i in range(3) for j in range(i + 1, 3)]
    for _ in range(steps):
        for (p1, v1, m1), (p2, v2, m2) in pairs:
            dx = p1[0] - p2[0]
            v1[0] -= dx * m2
            v2[0] += dx * m1
            v1[2] = v1[2] * 0.5
        for pos, vel, _m in bodies:
            pos[1] += vel[1]
    return bodies


def one_list_at_two_positions(steps):
    # The same list as one body's velocity and another's position (named twice by each store,
    # at different item positions): its second walk repeats the first's words.
    bodies = [[[0.0, 1.0, 2.0], [0.5, -0.5, 0.25], 3.0], [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], 1.0],
              [None, [0.1, 0.2, 0.3], 0.5]]
    bodies[2][0] = bodies[0][1]
    pairs = [(bodies[i], bodies[j]) for i in range(3) for j in range(i + 1, 3)]
    for _ in range(steps):
        for (p1, v1, m1), (p2, v2, m2) in pairs:
            v1[0] -= (p1[0] - p2[0]) * m2
            p2[1] += v2[1]
    return bodies


def grid_and_rows():
    grid = [[0] * 5 for _ in range(5)]
    row = grid[2]
    for i in range(5):
        for j in range(5):
            grid[i][j] = i * j
        row[i] = -i
    fill(grid, 7)
    return grid


def fill(grid, value):
    for r in grid:
        r[0] = value


def nested_dicts():
    stats = {"a": {"n": 0, "name": "alpha"}, "b": {"n": 10, "name": "beta"}}
    view = (stats["a"], stats)
    for k in range(4):
        stats["a"]["n"] += 1
        stats["b"]["name"] = "beta" * k
        view[0]["n"] -= 2
    stats["a"]["new"] = 1          # a new key: the named dict grows
    del stats["b"]["name"]         # and shrinks
    return stats, view


def aliases():
    v = [1, 2, 3]
    pair = [v, v]
    outer = (pair, v, [pair])
    for k in range(3):
        v[k] = "s%d" % k
    v[0] = [9, 9]                  # a container where a scalar was
    v[0] = 4.5                     # and back
    return outer


def too_deep():
    inner = [1, 2]
    deep = [[[[inner]]]]           # inner at depth 5: shown as truncated
    mid = deep[0][0]
    for k in range(3):
        inner[0] = k
        mid[0][0][1] = k * 2
    return deep


def long_lists():
    big = [float(i) for i in range(100)]
    holder = [big, (big, 1)]
    for k in (3, 70, 63, 64, 0):
        big[k] = -1.0
    big.append(2.0)
    big[5] = 5.5
    return holder


def cycle():
    c = [1, 2]
    c.append(c)
    holder = [c, [c]]
    for k in range(3):
        c[0] = k
    return holder


def long_strings():
    words = ["x" * 300, "y"]
    box = [words, {"w": words}]
    for k in range(3):
        words[1] = "z" * (100 * k + 1)
        words[0] = "w" * (260 + k)
    return box


def main():
    print(bodies_and_pairs(3)[0][1])
    print(one_list_at_two_positions(3)[2][0])
    print(grid_and_rows()[2])
    print(nested_dicts()[0]["a"])
    print(aliases()[1])
    print(too_deep())
    print(long_lists()[1][0][:6])
    print(cycle()[0][0])
    print(len(long_strings()[0][0][1]))


main()
