"""Writes about 400 MB to stdout and stderr, around pytest's capture too."""
import os
import sys

LINE = "flood " * 10_000 + "\n"


def test_flood():
    for _ in range(3_500):
        sys.stdout.write(LINE)
        sys.stderr.write(LINE)
        os.write(1, LINE.encode())
    assert False, "flooded"
