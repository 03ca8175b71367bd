"""Crashes the interpreter in C code."""
import ctypes


def crash():
    return ctypes.string_at(0)


def test_crash():
    assert crash() == b""
