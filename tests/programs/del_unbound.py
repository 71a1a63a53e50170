# Covers: del of locals and globals, unbound locals (UnboundLocalError), rebinding after del, del of attributes/items.
g = 1
del g


def f():
    a = 1
    b = 2
    del a
    a = 3
    c = [1, 2, 3]
    del c[0]
    return a, b, c


def unbound(flag):
    if flag:
        x = 1
    return x


class Obj:
    pass


o = Obj()
o.p = 1
o.q = 2
del o.p
print(f(), vars(o))
try:
    unbound(False)
except UnboundLocalError as e:
    print("UnboundLocalError")
