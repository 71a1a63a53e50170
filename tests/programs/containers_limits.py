# Covers: container rendering limits: more than ITEMS items, nesting deeper than DEPTH, empty containers, 1-tuples.
many = list(range(40))
mdict = {i: str(i) for i in range(20)}
mset = set(range(18))
fz = frozenset({3})
efz = frozenset()
es = set()
et = ()
one = (1,)
deep = [[[[["bottom"]]]]]
deep_d = {"a": {"b": {"c": {"d": 1}}}}
mixed = (None, True, False, 0, -5, 1.0, "s", b"b", [1], {2: 3})
print(len(many), len(mdict), len(mset), deep[0][0][0][0][0], deep_d["a"]["b"]["c"]["d"])
