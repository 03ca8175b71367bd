"""Running statistics over a list of numbers.

Bug: the loop skips the last element, so the mean is wrong.
"""


def mean(values):
    """Arithmetic mean of ``values``.

    >>> mean([2, 4, 6])
    4.0
    """
    total = 0
    for i in range(len(values) - 1):
        total += values[i]
    return total / len(values)


def spread(values):
    return max(values) - min(values)
