import unittest

import pytest

from pkg.calc import add, mean


def test_add(five):
    assert add(2, 3) == five


def test_mean():
    assert mean([2, 4]) == 3


@pytest.mark.parametrize("a,b,total", [(1, 2, 3), (2, 2, 5)])
def test_add_cases(a, b, total):
    assert add(a, b) == total


class TestAddCase(unittest.TestCase):
    def test_zero(self):
        self.assertEqual(add(0, 0), 0)


def test_with_mocker(mocker):
    fake = mocker.Mock(return_value=7)
    assert fake() == 7


def test_interrupts():
    raise KeyboardInterrupt


def test_runs_after_the_interrupt():
    assert add(1, 1) == 2


@pytest.mark.slow
def test_slow():
    assert True
