# Covers: stores to attributes of the object a local holds (`self.pos += 1`), which the recorder
# answers by rewriting that attribute's words and snapshot in place when the attribute held and
# holds a plain scalar. Each step also tries what must not be patched that way: a scalar of
# another size (more int digits, None for an int), a container stored over a scalar and back, an
# attribute deleted and stored again (which moves it to the end), a new attribute, a "__" name
# (kept out of the snapshot), a list below the object changed in the same stretch, a class
# renamed, an instance dict made to appear, slots, a method stored as an attribute, and objects
# with more attributes than the capture window shows.
import random


class Counter:
    def __init__(self):
        self.n = 0
        self.total = 0.0
        self.state = "idle"
        self.flag = False
        self.items = [1, 2, 3]

    def step(self, v):
        self.n += 1
        self.total += v

    def step_and_append(self, v):
        self.n += 1
        self.items.append(v)       # below the object, in the same stretch


class Wide:
    pass


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 0
        self.b = "x"


def bump(c, rng):
    # Takes the object only: the caller's check of its own local sees every change at once.
    op = rng.randrange(12)
    if op == 0:
        c.n += 1 << 31                 # more digits: another word count
    elif op == 1:
        c.state = None if c.state is not None else "back"
    elif op == 2:
        c.state = [c.n, "list"]        # a container over a scalar
    elif op == 3:
        c.state = "s%d" % c.n          # and back (or a str of another length)
    elif op == 4:
        del c.flag                     # moved to the end when stored again
        c.flag = c.n % 2 == 0
    elif op == 5:
        setattr(c, "extra%d" % (c.n % 3), c.n)  # a new attribute (sometimes)
    elif op == 6:
        setattr(c, "__hidden", c.n)    # not in the snapshot, in the words
    elif op == 7:
        c.step_and_append(c.n)
    elif op == 8:
        c.total = c.total              # the same value
    elif op == 9:
        c.flag = not c.flag
    elif op == 10:
        c.n = -c.n
    else:
        c.step(0.25)


class Pair:
    def __init__(self):
        self.n = 0
        self.a = 1
        self.b = 2


# The callees below reach the object only through `box` (a list holding it), so that the check
# of the caller's own local sees all of a callee's changes at once.
def step_box(box):
    box[0].n += 1


def append_box(box):
    box[0].n += 1
    box[0].items.append(box[0].n)      # a list below the object changed too


def reorder_box(box, v):
    del box[0].a                       # `a` now comes after `b`
    box[0].a = v
    del box[0].__dict__["b"]           # and `b` after `a`, through the instance dict
    box[0].b = v + 1


def shrink_box(box):
    box[0].n += 1
    if hasattr(box[0], "extra"):
        del box[0].extra               # one attribute fewer
    else:
        box[0].extra = 0


def kind_box(box, k):
    if k % 3 == 0:
        box[0].v = 5                   # an int of one digit: three words
    elif k % 3 == 1:
        box[0].v = []                  # an empty list: three words too
    else:
        box[0].v.append(k)             # ... which then changes below the object


def bump_b(box, i):
    box[0].b15 += 1                    # the last attribute the snapshot shows
    box[0].b17 += i                    # past it


def rename_box(box, k):
    type(box[0]).__qualname__ = "Pair%d" % k
    box[0].n += 1


class OtherPair(Pair):
    pass


def set_v(box, value):
    box[0].v = value
    box[0].n += 1


def append_v(box, x):
    box[0].v.append(x)


def reclass_box(box, cls):
    box[0].__class__ = cls             # the type changes, no attribute does
    box[0].n += 1


def kinds():
    q = Pair()
    q.v = 5
    box = [q]
    for k in range(4):
        step_box(box)
        set_v(box, [])                 # an int of one digit, then an empty list: three words each
        append_v(box, k)               # ... which then changes below the object
        step_box(box)
        set_v(box, k)
        reclass_box(box, OtherPair if k % 2 == 0 else Pair)
    print(q.n, q.v, type(q).__name__)


def boxed():
    p = Pair()
    box = [p]
    for k in range(12):
        step_box(box)
        append_box(box) if hasattr(p, "items") else setattr(p, "items", [])
        reorder_box(box, k)
        shrink_box(box)
        kind_box(box, k)
        if k % 4 == 0:
            rename_box(box, k)
    print(p.n, p.a, p.b, p.v, len(p.items), type(p).__qualname__)


def main():
    kinds()
    boxed()
    rng = random.Random(11)
    c = Counter()
    other = c                          # a second local holding the same object
    for i in range(60):
        c.step(i)
        bump(c, rng)
        if i == 20:
            Counter.__qualname__ = "RenamedCounter"
        if i == 30:
            vars(c)                    # the instance dict exists from now on
        if i == 40:
            c.items = []
        if len(c.items) > 8:
            c.items = c.items[-3:]
    print(other.n, other.total, other.state, sorted(vars(other)))

    w = Wide()
    for k in range(70):
        setattr(w, "a%02d" % k, k)
    for i in range(30):
        setattr(w, "a%02d" % (i * 7 % 70), i)   # inside and past the window
        w.a01 += 1
    print(w.a01, w.a69)

    # Two "__" names first: recorded with --max-items 16 (test_values.py), the 16th attribute
    # the snapshot shows is the 18th the walk meets, past the walk's window of 17.
    w2 = Wide()
    setattr(w2, "__one", 1)
    setattr(w2, "__two", 2)
    for k in range(18):
        setattr(w2, "b%02d" % k, k)
    box = [w2]
    for i in range(6):
        bump_b(box, i)
    print(w2.b15, w2.b16, w2.b17)

    s = Slotted()
    for i in range(20):
        s.a += 1
        s.b = s.b + "y" if i % 5 else "x"
    print(s.a, s.b)

    h = Counter()
    h.callback = h.step                # a method: the walk notes no layout
    for i in range(20):
        h.n += 1
        h.callback(i)
    print(h.n, h.total)


if __name__ == "__main__":
    main()
