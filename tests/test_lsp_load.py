"""Load (issue 8), reduced for `make test`: documents open, edits in bursts, concurrent runs.

The full size (50 documents, 2,000 edits) runs in bench/hostile.py, which also reports
latency and memory; here only correctness is asserted: the server stays up, every request
is answered, no stale diagnostics arrive, and each document settles on its final text.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
import load  # noqa: E402

pytestmark = pytest.mark.slow


def test_bursts_of_edits_publish_nothing_stale():
    result = load.run(documents=8, edits=240, burst=20, settle_s=120)
    assert not result.crashed
    assert result.unanswered == 0
    assert result.stale == []
    assert result.wrong_final == []
