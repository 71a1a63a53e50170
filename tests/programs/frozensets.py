# Covers: frozensets the recorder treats as constant (only scalars and tuples/frozensets of
# them, recursively: its shape walk stops at their identity) next to ones that are not (a
# hashable user object inside, whose attributes change), nested frozensets shared between levels
# (von Neumann numerals), an item replaced by a new frozenset, possibly at the freed one's
# address, and a generator resumed by C code (map), after which every mutable local is checked.
# (User objects hash by address, so each frozenset holding one holds nothing else: the rendered
# order of its items stays the same from run to run.)
import itertools


class Tag:
    def __init__(self, name):
        self.name = name


def numerals(n):
    nums = [frozenset()]
    for _ in range(n - 1):
        nums.append(frozenset(nums))
    return nums


def powerset(s):
    for i in range(len(s) + 1):
        yield from map(frozenset, itertools.combinations(s, i))


CURRENT = []


def refill(items):
    # The caller sees both stores at its next event, and no frame in between holds the list: the
    # new frozenset is likely at the address the old one was freed from, so only its identity
    # tells them apart.
    CURRENT[0][0] = None
    CURRENT[0][0] = frozenset(items)


def main():
    nums = numerals(6)
    sizes = sorted(len(x) for x in powerset(nums[:4]))
    tag = Tag("a")
    mixed = [frozenset({1, "x", (2, 3.5)}), frozenset({tag}), frozenset({frozenset({None})})]
    tag.name = "b"  # inside a frozenset that is not constant: the list shows it
    mixed[0] = frozenset({(1, 2)})  # the old one is freed: the new one may take its address
    mixed[2] = frozenset({frozenset({True}), b"k"})
    tag.name = "c"
    CURRENT.append(mixed)
    refill([7, "y"])
    refill([8])
    count = 0
    for fs in map(frozenset, ([1], [tag], [2, 3])):
        count += len(fs)
        tag.name += "!"
    return sizes, len(nums[-1]), sorted(map(str, mixed[0])), tag.name, count


print(main())
