"""A small order-processing run that fails: the bundled example for `reel record`.

Run it plainly with `python3 examples/inventory.py`: it prints a few lines and dies with a
ValueError. Record it and step backward from the failure to see which order drove the stock
negative and why.
"""

from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    price: float
    stock: int


@dataclass
class Order:
    customer: str
    lines: list = field(default_factory=list)

    def add(self, sku, qty):
        self.lines.append((sku, qty))
        return self


class Inventory:
    def __init__(self, items):
        self.items = {item.sku: item for item in items}
        self.log = []

    def reserve(self, sku, qty):
        item = self.items[sku]
        if item.stock - qty < 0:
            raise ValueError(f"not enough {sku}: have {item.stock}, need {qty}")
        item.stock -= qty
        self.log.append(("reserve", sku, qty))
        return item.price * qty


def orders():
    yield Order("ada").add("bolt", 40).add("nut", 10)
    yield Order("grace").add("gear", 3)
    # Restocks arrive as negative orders; a sign slip makes this one a huge reservation.
    yield Order("restock").add("bolt", -(-70))


def process(inventory, order):
    total = 0.0
    for sku, qty in order.lines:
        total += inventory.reserve(sku, qty)
    return round(total, 2)


def main():
    inventory = Inventory([Item("bolt", 0.25, 100), Item("nut", 0.1, 50), Item("gear", 7.5, 5)])
    revenue = 0.0
    for order in orders():
        amount = process(inventory, order)
        revenue += amount
        print(f"{order.customer:8} {amount:8.2f}")
    print(f"revenue  {revenue:8.2f}")


if __name__ == "__main__":
    main()
