# Covers: dataclasses (frozen, defaults, field factory), enums (Enum, IntEnum, Flag) and namedtuples.
import enum
from collections import namedtuple
from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    qty: int = 1
    tags: list = field(default_factory=list)


@dataclass(frozen=True)
class Frozen:
    a: int
    b: str


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


Pair = namedtuple("Pair", "left right")
Single = namedtuple("Single", "only")

item = Item("pen", 3)
item.tags.append("blue")
fz = Frozen(1, "x")
c = Color.GREEN
lvl = Level.HIGH
pair = Pair(1, "two")
one = Single(1)
print(item, fz, c.name, int(lvl), pair.left, one)
