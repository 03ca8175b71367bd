import pytest


@pytest.fixture
def small_order():
    """Three lines, all below the bulk threshold."""
    return [(2.50, 2), (1.20, 5), (10.00, 1)]
