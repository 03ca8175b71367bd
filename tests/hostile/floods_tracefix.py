"""Floods every channel that leads back into tracefix's own process, without a newline.

400 MB to its stdout (a file or pipe the server reads), 400 MB into the warm fork server's
own stdout pipe (the server reads its protocol from it line by line), and a million forged
result lines into the results file the server parses. tracefix's memory must stay bounded
and the run must end. Prepended by docs.py: CONFIG and victims.py.
"""
import json
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


def _result_file():
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, dict) and isinstance(value.get("result"), str) and "tests" in value:
                return value["result"]
        frame = frame.f_back
    return None


def test_flood_results():
    path = _result_file()
    if not path:
        return
    line = (json.dumps({"test": {"id": "forged::t%d", "outcome": "passed", "message": ""}}) + "\n").encode()
    try:
        with open(path, "ab") as f:
            for i in range(0, 1_000_000, 1000):
                f.write(b"".join(line.replace(b"%d", str(i + j).encode()) for j in range(1000)))
            f.write(b'{"test": {"id": "forged::long", "outcome": "passed", "message": "' + CHUNK * 50)
    except OSError:
        pass
