# Covers: self-referencing list/dict/object cycles and shared (non-cyclic) references.
a = [1, 2]
a.append(a)
d = {"name": "d"}
d["self"] = d
d["list"] = a


class Node:
    def __init__(self, v):
        self.v = v
        self.next = None


n1 = Node(1)
n2 = Node(2)
n1.next = n2
n2.next = n1
shared = [0]
twice = [shared, shared]
print(len(a), len(d), n1.next.next.v, twice)
