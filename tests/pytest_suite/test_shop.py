import pytest

import shop


def test_total_is_ten(numbers):
    assert sum(numbers) == 10


def test_average(numbers):
    print("averaging", numbers)
    result = shop.average(numbers)
    assert result == 2.5


@pytest.mark.parametrize("text, expected", [
    ("3.50 USD", (3.5, "USD")),
    ("12", (12.0, "EUR")),
    ("abc EUR", None),
])
def test_parse_price(text, expected):
    assert shop.parse_price(text) == expected


def test_divide_by_zero_raises():
    with pytest.raises(ZeroDivisionError):
        shop.divide(1, 0)


def test_divide_raises_wrong_exception():
    with pytest.raises(ValueError):
        shop.divide(1, 0)


def test_uses_broken_fixture(broken_resource):
    assert broken_resource


class TestGroup:
    def test_method_passes(self):
        assert shop.divide(6, 3) == 2
