"""Small arithmetic the tests exercise.

>>> add(1, 1)
2
"""


def add(a, b):
    """
    >>> add(2, 3)
    5
    """
    return a + b


def mean(values):
    return sum(values) / (len(values) + 1)  # the bug the failing tests find
