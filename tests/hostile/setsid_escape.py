"""A grandchild that leaves the process group (setsid) to outlive the run: the classic daemon escape.

It sleeps for ten minutes with a marker in its environment so that the test can find it.
"""
import os
import time


def daemonize():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.environ["TRACEFIX_HOSTILE_ESCAPE"] = "1"
            os.execvpe("sleep", ["sleep", "600"], os.environ)
        os._exit(0)
    os.waitpid(pid, 0)


def test_daemonize():
    daemonize()
    assert False, "left a daemon behind"
