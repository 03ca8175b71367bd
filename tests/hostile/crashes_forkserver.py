"""Crashes the warm fork server in the middle of a run (issue 12: results duplicated, a test lost).

The job finds the fork server's set of running jobs (same address after fork), zeroes its
type pointer in the server's memory, then lets an orphan exit: the server, as PID 1,
reaps it, touches the set and dies, taking the namespace (and this job) with it. Whatever
tracefix does next, every test is reported once, with its real outcome. Prepended by
docs.py: CONFIG and victims.py.
"""
import gc
import os
import sys
import time


def double(x):
    return x * 2


def test_a():
    assert double(1) == 2


def test_crash_the_fork_server():
    hit = False
    for obj in gc.get_objects():
        running = getattr(obj, "running", None) if type(obj).__name__ == "_Jobs" else None
        if isinstance(running, set):
            expect = id(set).to_bytes(8, sys.byteorder)
            for pid in victims():  # noqa: F821 - prepended by docs.py
                hit = poke(pid, id(running) + 8, expect, b"\0" * 8) or hit  # noqa: F821
    if hit:
        if os.fork() == 0:
            if os.fork() == 0:
                os._exit(0)
            os._exit(0)  # the grandchild is orphaned: PID 1 reaps it
        os.wait()
        time.sleep(5)  # killed with the namespace long before this ends


def test_b():
    assert double(2) == 5


def test_c():
    assert double(3) == 6
