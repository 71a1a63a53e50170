# Covers: comprehensions inside class bodies that read the enclosing function's variables (3.12+
# inlines them; on 3.13 the class body's f_locals is then a FrameLocalsProxy listing its bound
# fast locals, free variables included), nested classes, and a comprehension shadowing a class
# attribute.
def make(scale):
    offset = 10
    calls = []

    def bump():
        calls.append(1)
        return len(calls)

    class Inner:
        base = scale
        squares = [i * scale + offset for i in range(3)]
        bumped = [bump() for _ in range(2)]
        x = "attr"
        shadow = [x * 2 for x in range(2)]
        pairs = {k: offset for k in "ab"}

        class Nested:
            deep = [offset + j for j in range(2)]

    return Inner


cls = make(3)
print(cls.squares, cls.bumped, cls.x, cls.shadow, cls.pairs, cls.Nested.deep)


class Top:
    names = [n.upper() for n in ("a", "b")]


print(Top.names)
