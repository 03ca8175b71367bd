"""Calls os._exit while being imported: no cleanup, no results file."""
import os


def add(a, b):
    return a - b


os._exit(0)


def test_add():
    assert add(2, 2) == 4
