# Covers: frames holding one object whose snapshots diverge and meet again: a recursion that
# changes its `self` at some levels, an argument the callee changes, two suspended generators
# over one list, an instance dict that appears. (The recorder shares one shape of the object
# among its holders, recorder/src/SharedShape.h, and writes a new one apart on a change.)


class Table:
    def __init__(self, rows, cols):
        self.rows = [[r * cols + c for c in range(cols)] for r in range(rows)]
        self.pos = 0
        self.log = []

    def descend(self, n):
        # Every third level changes a row before going deeper, every fifth after coming back:
        # the frames above hold snapshots taken at different counts.
        if n % 3 == 0:
            self.rows[n % len(self.rows)].append(n)
        if n:
            depth = self.descend(n - 1)
        else:
            depth = 0
        if n % 5 == 0:
            self.rows[(n + 1) % len(self.rows)][0] = -n
        self.pos += 1
        return depth + 1

    def peek(self):
        return self.rows[0][0]


def nested_holders():
    t = Table(4, 6)
    alias = t
    depth = t.descend(12)
    first = t.peek()
    alias.log.append(first)
    return depth, first, alias.pos


def callee_changes_borrowed(grid):
    row = grid[1]
    row[2] = "changed"
    grid[3].append("tail")
    return len(grid)


def borrowed_then_changed():
    grid = [[i * j for j in range(5)] for i in range(5)]
    same = grid
    n = callee_changes_borrowed(grid)
    same[0][0] = n
    n = callee_changes_borrowed(same)
    return grid[1], grid[3], n


def gen_holder(items):
    while items:
        yield items[-1]
        items.pop()


def suspended_generators():
    items = [[k] for k in range(6)]
    g1 = gen_holder(items)
    g2 = gen_holder(items)
    out = [next(g1)]
    items[0].append("x")
    out.append(next(g2))
    items.append(["late"])
    out.append(next(g1))
    out.append(next(g2))
    return out, items


class Plain:
    def __init__(self):
        self.a = 1
        self.b = [1, 2]


def reader(p, depth):
    if depth:
        return reader(p, depth - 1) + p.a
    # Materializes the instance dict (3.12+ keeps attributes inline until asked): the shape
    # this frame shares with the frames above is unchanged, but a store through the dict, which
    # names only the dict, must still be seen to change p.
    d = vars(p)
    d["a"] = p.a + 1
    return len(d)


def writer(p):
    vars(p)["a"] = 40
    p.b.append(3)


def dict_appears():
    p = Plain()
    total = reader(p, 4)
    writer(p)
    again = reader(p, 2)
    vars(p)["c"] = "new"
    return total, again, p.a, p.b


def main():
    print(nested_holders())
    print(borrowed_then_changed())
    print(suspended_generators())
    print(dict_appears())


main()
