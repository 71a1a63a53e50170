# Covers: graphs whose parts point back at what holds them (a tree with parent links, a doubly
# linked list, registries whose entries point at their owner, as configparser's section proxies
# point at their parser): a snapshot of such a part shows the owner as a cycle, so it depends on
# the capture's path, not only on the part. Each is held by locals at different depths (the owner,
# a part, a part of a part), changed in the owner, in a part and in a part of a part, and the
# same part is reached along two paths (through the owner and through a sibling); and one part
# held at the same depth by its owner and by another object, where it shows the owner once as a
# cycle and once in full.
class Node:
    def __init__(self, name, parent=None):
        self.name = name
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)


class Link:
    def __init__(self, value):
        self.value = value
        self.prev = None
        self.next = None


class Owner:
    def __init__(self):
        self.entries = {}
        self.count = 0

    def add(self, key):
        entry = Entry(self, key)
        self.entries[key] = entry
        self.count += 1
        return entry


class Entry:
    def __init__(self, owner, key):
        self.owner = owner
        self.key = key
        self.hits = 0


def tree_edits():
    root = Node("root")
    left = Node("left", root)
    right = Node("right", root)
    leaf = Node("leaf", left)
    left.sibling = right  # the same node reached through the root and through a sibling
    right.sibling = left
    for step in range(6):
        leaf.name = "leaf" + str(step)
        if step % 2:
            Node("extra" + str(step), right)
        else:
            root.name = "root" + str(step)
        if right.children:
            right.children[0].name = "first" + str(step)
    return root, leaf


def chain_edits():
    links = [Link(i) for i in range(5)]
    for a, b in zip(links, links[1:]):
        a.next = b
        b.prev = a
    head = links[0]
    middle = links[2]
    for step in range(5):
        middle.value += 10
        head.value = -step
        links[4].next = links[step]  # the tail points back into the chain
    return head.value, middle.value


def registry_edits():
    owner = Owner()
    first = owner.add("a")
    second = owner.add("b")
    for step in range(8):
        first.hits += 1
        owner.count += 1
        if step == 3:
            owner.add("c")
        if step == 5:
            del owner.entries["b"]
        second.key = second.key + "!"
    return owner.count, sorted(owner.entries)


class Holder:
    def __init__(self, item):
        self.item = item


def two_roots():
    # At depth 3 below both `holder` and `owner`: below `owner` the entry's link back is a cycle,
    # below `holder` it is the owner itself (whose own items are past the depth limit there).
    holder = Holder(None)  # the first slot: re-checked before `owner` after each change
    owner = Owner()
    entry = Entry(owner, "k")
    owner.bucket = [entry]
    holder.item = [entry]
    for step in range(5):
        entry.hits += 1
        owner.count -= 1
    return entry.hits, owner.count


def run():
    root, leaf = tree_edits()
    print(root.name, leaf.name, [c.name for c in root.children[1].children])
    print(chain_edits(), registry_edits(), two_roots())


run()
