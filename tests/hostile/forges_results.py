"""Forges results: a million small test records and one 50 MB record appended to its own results file.

The job must be able to write its results file, so this is always possible; what must hold
is tracefix's side: memory bounded, the run ends, the real test keeps its real outcome.
"""
import json
import sys

CHUNK = b"x" * (1 << 20)


def double(x):
    return x * 2


def test_real():
    assert double(2) == 5


def _result_file():
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, dict) and isinstance(value.get("result"), str) and "tests" in value:
                return value["result"]
        frame = frame.f_back
    return None


def test_forge_results():
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
