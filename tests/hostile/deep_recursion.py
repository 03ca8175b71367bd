"""Unbounded recursion with the recursion limit raised far above what the C stack can hold."""
import sys

sys.setrecursionlimit(10_000_000)


def depth(n):
    return depth(n + 1) + 1  # no base case


def test_depth():
    assert depth(0) > 0
