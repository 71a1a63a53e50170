# Covers: structural pattern matching (literal, sequence, mapping, class, guard, capture) and the walrus operator.
from dataclasses import dataclass


@dataclass
class Pt:
    x: int
    y: int


def classify(obj):
    match obj:
        case 0:
            return "zero"
        case [first, *rest] if len(rest) > 1:
            return ("long seq", first, rest)
        case [a, b]:
            return ("pair", a, b)
        case {"kind": kind, **others}:
            return ("mapping", kind, others)
        case Pt(x=0, y=yy):
            return ("on y axis", yy)
        case Pt(x=xx, y=yy):
            return ("point", xx, yy)
        case str() as s:
            return ("string", s)
        case _:
            return "other"


for sample in (0, [1, 2, 3, 4], [5, 6], {"kind": "k", "z": 1}, Pt(0, 3), Pt(1, 2), "s", 3.5):
    print(classify(sample))
data = [3, 8, 1, 9]
if (n := len(data)) > 3:
    print("long", n)
print([y for x in data if (y := x * 2) > 5])
