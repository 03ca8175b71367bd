"""Relative imports, the reason doctests import the module by its dotted name.

>>> names.ONE
1
"""
from . import names
from ..calc import add


def inc(x):
    """
    >>> inc(1)
    2
    >>> inc(2)
    4
    """
    return add(x, names.ONE)
