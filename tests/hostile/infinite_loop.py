"""A loop whose exit condition can never become true."""


def count_down(n):
    while n != 0:  # the bug: odd n skips 0
        n -= 2
    return n


def test_count_down():
    assert count_down(5) == 0
