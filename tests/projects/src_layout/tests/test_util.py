import pytest

from invoicing.util import parse_quantity, round_money


def test_round_money_half_up():
    assert round_money(0.125) == 0.13


def test_parse_quantity():
    assert parse_quantity(" 12 ") == 12
    assert parse_quantity("2x") == 2


def test_parse_quantity_rejects_negative():
    with pytest.raises(ValueError):
        parse_quantity("-1")
