# Covers: tuples longer than the capture's item limit held in closure cells (namedtuple() keeps
# its field names so), whose may-change answer reads only the items a snapshot shows: a list
# among the first items, mutated by an inner function, must still show; one past the limit
# changes nothing shown; the cell rebound by the inner function to another long tuple, possibly
# at the freed one's address.
def holder(n):
    box = []
    late = []
    names = tuple([box] + ["f%d" % i for i in range(n)] + [late])

    def touch(i):
        names[0].append(i)
        names[-1].append(-i)
        return names[i % n + 1]

    def rebind(k):
        nonlocal names
        names = tuple([box] + ["g%d" % (i + k) for i in range(n)] + [late])
        return len(names)

    seen = 0
    for i in range(6):
        seen += len(touch(i))
        if i % 2:
            rebind(i)
    return seen, len(box), len(late)


def frozen(n):
    fs = frozenset(range(n))
    total = 0

    def count():
        nonlocal fs
        fs = frozenset(range(n + len(fs) % 3))
        return len(fs)

    for _ in range(4):
        total += count()
    return total


print(holder(100))
print(frozen(200))
