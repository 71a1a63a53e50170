# Helper module imported by imports_sibling.py (not a program on its own: the runner skips "_" files).
LOADED = "helper loaded"


class Shape:
    def __init__(self, kind, side):
        self.kind = kind
        self.side = side

    def area(self):
        return self.side * self.side


def area_sum(shapes):
    return sum(s.area() for s in shapes)


def describe(shape):
    return "%s:%d" % (shape.kind, shape.side)
