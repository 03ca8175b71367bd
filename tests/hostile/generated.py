"""Hostile inputs too big to keep in git: written on demand by the tests and bench/hostile.py."""
from __future__ import annotations

from pathlib import Path

TEST = "\n\ndef test_first():\n    assert DATA[0] == 1\n"


def gigantic_literal(folder: Path) -> Path:
    """One list literal of 300,000 integers (~2.4 MB on one line) and a test that reads it."""
    path = folder / "gigantic_literal.py"
    path.write_text("DATA = [" + ", ".join(str(i) for i in range(300_000)) + "]" + TEST)
    return path


def ten_megabytes(folder: Path) -> Path:
    """A 10 MB module: many small functions, then one failing test."""
    path = folder / "ten_megabytes.py"
    body = "".join(f"def f{i}(x):\n    y = x + {i}\n    return y * 2\n\n\n" for i in range(250_000))
    data = body.encode()
    assert len(data) >= 10_000_000, len(data)
    path.write_bytes(data + b"def test_last():\n    assert f3(1) == 9\n")
    return path
