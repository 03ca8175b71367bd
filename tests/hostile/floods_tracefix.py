"""Floods the output channels that lead back into tracefix's own process, without a newline.

400 MB to its stdout and stderr (a file or pipe tracefix reads), and 400 MB into the warm
fork server's own stdout pipe where the job can reach it (tracefix reads its protocol from
it line by line). tracefix's memory must stay bounded and the run must end. Prepended by
docs.py: CONFIG and victims.py.
"""
import os
import sys

CHUNK = b"x" * (1 << 20)
MB = 400


def double(x):
    return x * 2


def test_real():
    assert double(2) == 5


def _pour(fd):
    for _ in range(MB):
        try:
            os.write(fd, CHUNK)
        except OSError:
            return


def test_flood_stdout():
    sys.stdout.flush()
    _pour(1)
    _pour(2)


def test_flood_fork_server_pipe():
    for pid in victims():  # noqa: F821 - prepended by docs.py
        for fd in (1, 2):
            try:
                target = os.open("/proc/%d/fd/%d" % (pid, fd), os.O_WRONLY)
            except OSError:
                continue
            _pour(target)
            os.close(target)
