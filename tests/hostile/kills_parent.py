"""Kills the process that started it (a warm fork server, or whatever the parent is)."""
import os
import signal


def test_patricide():
    os.kill(os.getppid(), signal.SIGKILL)
    assert False, "parent killed"
