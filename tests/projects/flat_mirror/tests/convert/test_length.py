import pytest

from units.convert.length import convert, parse, to_meters, total_length


def test_parse():
    assert parse(" 12.5 km ") == (12.5, "km")


def test_convert_km_to_m():
    assert convert(2, "km", "m") == 2000.0


def test_to_meters():
    assert to_meters("250 cm") == pytest.approx(2.5)


def test_total_length():
    assert total_length(["1 km", "500 m", "50000 cm"]) == pytest.approx(2000.0)


def test_total_length_of_nothing():
    assert total_length([]) == 0.0
