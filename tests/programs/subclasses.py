# Covers: strict subclasses of list/tuple/dict/set/frozenset/int/float/str/bytes (rule 4).
class MyList(list):
    pass


class MyTuple(tuple):
    pass


class MyDict(dict):
    pass


class MySet(set):
    pass


class MyFrozen(frozenset):
    pass


class MyInt(int):
    pass


class MyFloat(float):
    pass


class MyStr(str):
    pass


class MyBytes(bytes):
    pass


ml = MyList([1, 2])
mt = MyTuple((3,))
md = MyDict(a=1)
ms = MySet()
mf = MyFrozen([5])
mi = MyInt(7)
mfl = MyFloat(2.5)
mstr = MyStr("s" * 70)
mb = MyBytes(b"zz")
ml.extra = "attr-not-shown"
print(ml, mt, md, ms, sorted(mf), mi, mfl, len(mstr), mb)
