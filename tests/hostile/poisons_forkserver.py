"""Writes "passed" over the interned string "failed" in the warm fork server's memory.

Every job forked from a poisoned server sees a corrupted interpreter (failures that read as
passes, imports that break). The next run — another document in the language server, or
the validation runs of this very document — must be unaffected: here the real fix
(``x * 3``) must still be found and validated. Prepended by docs.py: CONFIG and victims.py.
"""
import sys


def triple(x):
    return x * 2  # the bug: the fix (x * 3) must still be found and validated after the poisoning


def test_poison_the_fork_server():
    s = "failed"
    address = id(s) + sys.getsizeof(s) - len(s) - 1  # the characters of a compact ASCII str
    for pid in victims():  # noqa: F821 - prepended by docs.py
        poke(pid, address, b"failed", b"passed")  # noqa: F821


def test_real():
    assert triple(2) == 6
