import pytest

from pkg.calc import add


@pytest.fixture
def five():
    return add(2, 3)
