"""Signals PID 1 and the parent (the warm fork server), then every process it may signal.

SIGSTOP, SIGTERM, SIGINT, SIGHUP and SIGKILL at the fork server, and kill(-1, SIGKILL)
(every process of its PID namespace: other documents' jobs included). The run still
reports every test once, and later runs are unaffected. Prepended by docs.py: CONFIG and
victims.py.
"""
import os
import signal


def double(x):
    return x * 2


def test_a():
    assert double(1) == 2


def test_signals():
    for pid in victims():  # noqa: F821 - prepended by docs.py
        for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    if _pid_ns(os.getpid()) not in (None, CONFIG["outer_ns"]):  # noqa: F821 - only inside a PID namespace
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass


def test_b():
    assert double(2) == 5


def test_c():
    assert double(3) == 6
