import pytest

from units.system import factor


def test_factor_of_known_units():
    assert factor("km") == 1000.0
    assert factor("mm") == 0.001


def test_unknown_unit():
    with pytest.raises(ValueError, match="furlong"):
        factor("furlong")
