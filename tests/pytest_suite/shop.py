"""The code under test: a tiny library with one bug (average divides by one too many)."""


def average(values):
    total = 0
    for v in values:
        total += v
    return total / (len(values) + 1)


def parse_price(text):
    amount, _, currency = text.partition(" ")
    return round(float(amount), 2), currency or "EUR"


def divide(a, b):
    return a / b
