"""A *bounded* fork bomb: at most 200 forked children, each sleeping for ten minutes.

Bounded on purpose: tracefix runs as root here, where RLIMIT_NPROC does not bind, so the
process-group kill is what must clean these up. The marker in the environment lets the
test find any survivor.
"""
import os
import time

os.environ["TRACEFIX_HOSTILE_FORK"] = "1"


def spawn(limit=200):
    children = 0
    for _ in range(limit):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
    return children


def test_spawn():
    assert spawn() == 0
    time.sleep(600)
