# Covers: in-place mutation of caller objects through method calls in callees (list, dict, set, object attrs).
class Box:
    def __init__(self):
        self.items = []


def fill(lst, n):
    for i in range(n):
        lst.append(i)
    lst.sort(reverse=True)


def tweak(d, s, box):
    d["new"] = len(d)
    d.pop("old")
    s.add(99)
    s.discard(1)
    box.items.extend("ab")
    box.count = 2


data = []
fill(data, 3)
mapping = {"old": 1}
bag = {1, 2}
box = Box()
tweak(mapping, bag, box)
data[0] += 10
print(data, mapping, sorted(bag), box.items, box.count)
