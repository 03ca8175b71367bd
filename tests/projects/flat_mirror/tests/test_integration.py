"""End to end: what the command-line tool does with a route file."""
import pytest

from units.convert.length import total_length


def test_total_length():
    route = ["0 m", "2 km", "500 m"]  # a route file starts at its origin
    assert total_length(route, "km") == pytest.approx(2.5)
