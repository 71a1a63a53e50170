# Covers: values that change in place and come back to a state they had (a flag toggled, a stack
# pushed and popped, a counter reset), which the recorder finds among the object's own latest
# records instead of asking its dedup table; more objects changing in turn than its per-object
# table has slots (256), so that an object's latest record moves to the dedup table when another
# object takes its slot, and a later first capture of that object, unchanged, must still find it;
# and one object seen both as a local and below another local, so that two views of it alternate.


class Switch:
    def __init__(self):
        self.on = False
        self.count = 0

    def flip(self):
        self.on = not self.on


class Cell:
    def __init__(self, k):
        self.k = k
        self.v = 0


def toggles(sw, n):
    for _ in range(n):
        sw.flip()
        sw.flip()
    return sw.on


def stack_walk(depths):
    stack = []
    for d in depths:
        stack.append(d)
        stack.append(d * 2)
        stack.pop()
        stack.pop()
        stack.append(d)
        stack.pop()
    return stack


def counter_resets(n):
    seen = {"a": 0, "b": 0}
    for i in range(n):
        seen["a"] += 1
        if seen["a"] == 3:
            seen["a"] = 0
            seen["b"] = i % 2
    return seen


def look(cell):
    # A first capture of `cell` in a new frame: unchanged since its last record.
    return cell.v


def rotate(cells, rounds):
    for r in range(rounds):
        for c in cells:
            c.v = r + 1
    total = 0
    for c in cells[::37]:
        total += look(c)
    return total


def two_views(n):
    inner = [0, 1]
    outer = {"inner": inner, "tag": "x"}
    for i in range(n):
        inner[0] = i % 3
        outer["tag"] = "xy"[i % 2]
    return outer


def main():
    sw = Switch()
    print(toggles(sw, 40), sw.on)
    print(stack_walk([1, 2, 3, 2, 1] * 4))
    print(counter_resets(20))
    cells = [Cell(k) for k in range(300)]
    print(rotate(cells, 2))
    print(two_views(12))


main()
