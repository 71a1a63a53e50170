# Covers: __slots__ (inherited, private name mangling, unset slots) mixed with __dict__ subclasses; __slots__ rebound on the class after instances exist.
class Point:
    __slots__ = ("x", "y", "__secret")

    def __init__(self, x, y):
        self.x = x
        self.y = y
        self.__secret = x * y

    def secret(self):
        return self.__secret


class Point3(Point):
    __slots__ = ("z",)

    def __init__(self, x, y, z):
        super().__init__(x, y)
        self.z = z


class Tagged(Point):
    def __init__(self, x, y, tag):
        super().__init__(x, y)
        self.tag = tag


class Lazy:
    __slots__ = ("a", "b")


p = Point(2, 3)
q = Point3(1, 2, 3)
t = Tagged(4, 5, "t")
lazy = Lazy()
lazy.b = "only b"
empty = Lazy()
print(p.secret(), q.z, t.tag, lazy.b)


class Rebound:
    __slots__ = ("__b", "a", "c")

    def __init__(self):
        self.__b = 1
        self.a = 2
        self.c = 3


def rebind_slots():
    r = Rebound()
    # The class keeps its member descriptors; snapshots list the slots __slots__ names now.
    Rebound.__slots__ = ("c", "__b")
    n = 2
    return r, n


print(rebind_slots()[1])
