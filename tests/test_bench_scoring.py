"""Scoring helpers of the benchmarks: what counts as restoring an injected bug, and the per-test minima
the trace-cost bench compares."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.repair import restores  # noqa: E402
from bench.trace_cost import minima  # noqa: E402

BUGGY = "def f(xs):\n    if len(xs) == 1:\n        return True\n    return False\n"


def _program(tmp_path: Path) -> dict:
    folder = tmp_path / "programs" / "p1"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"mutations": [
        {"line": 2, "original": "if len(xs) == 0:"}, {"line": 4, "original": "return True"}]}))
    return {"id": "p1", "dir": "programs/p1"}


def test_putting_back_one_injected_line_exactly_restores(tmp_path):
    program = _program(tmp_path)
    assert restores(tmp_path, program, BUGGY, BUGGY.replace("return False", "return True"))
    assert restores(tmp_path, program, BUGGY, BUGGY.replace("== 1", "== 0").replace("return False", "return True"))


def test_another_edit_or_an_edit_elsewhere_does_not(tmp_path):
    program = _program(tmp_path)
    assert not restores(tmp_path, program, BUGGY, BUGGY.replace("return False", "return 1"))
    assert not restores(tmp_path, program, BUGGY, BUGGY.replace("return True", "return 1"))  # line 3: not mutated
    assert not restores(tmp_path, program, BUGGY, BUGGY + "# more\n")
    assert not restores(tmp_path, program, BUGGY, BUGGY)


def test_minima_keep_each_tests_fastest_run():
    assert minima([{"a": 0.3, "b": 0.1}, {"a": 0.2, "b": None, "c": 0.5}]) == {"a": 0.2, "b": 0.1, "c": 0.5}
