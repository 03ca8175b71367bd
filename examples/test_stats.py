import pytest

from stats import mean, spread


@pytest.mark.parametrize("values, expected", [
    ([1, 2, 3, 4], 2.5),
    ([10], 10.0),
    ([0, 0, 0], 0.0),
])
def test_mean(values, expected):
    assert mean(values) == expected


def test_spread():
    assert spread([3, 9, 4]) == 6
