"""Re-run every discovered test on a candidate text and judge it (DESIGN.md §1 step 6).

A candidate is kept only as a *strict improvement*: it makes at least one failing test
pass and no passing test fail. Test ids match between runs because the same discovery
feeds both; a test that disappears from the candidate's run counts as broken.
"""
from __future__ import annotations

import threading

from tracefix.config import Settings
from tracefix.model import RunResult, Segmentation, TestCase, Validation


def compare(baseline: RunResult, candidate: RunResult) -> Validation:
    """What the candidate fixed and broke relative to the baseline run."""
    after = {t.id: t.outcome for t in candidate.tests}
    fixed, broken = [], []
    for t in baseline.tests:
        now = after.get(t.id)
        if t.failing and now == "passed":
            fixed.append(t.id)
        elif t.outcome == "passed" and now != "passed":
            broken.append(t.id)
    passed = sum(1 for o in after.values() if o == "passed")
    return Validation(fixed=fixed, broken=broken, passed=passed, total=max(len(baseline.tests), len(after)))


def is_improvement(v: Validation | None) -> bool:
    return v is not None and bool(v.fixed) and not v.broken


def validate(path: str, text: str, seg: Segmentation, tests: list[TestCase], baseline: RunResult,
             settings: Settings, python: str | None = None,
             cancel: threading.Event | None = None) -> tuple[Validation, RunResult]:
    """Run the tests on ``text`` in a sandboxed child (no tracing) and compare with ``baseline``."""
    from tracefix import segment, childrun

    try:
        cand_seg = segment.segment(text)
    except Exception:  # segmentation only labels blocks; a failure must not stop validation
        cand_seg = seg
    run = childrun.run_tests(path, text, cand_seg, tests, settings, python=python, cancel=cancel, trace=False)
    if run.error and not run.tests:
        # The whole run failed (timeout, crash): everything that passed is now broken.
        return Validation(fixed=[], broken=[t.id for t in baseline.tests if t.outcome == "passed"],
                          passed=0, total=len(baseline.tests)), run
    return compare(baseline, run), run


def rank_key(v: Validation, edit_chars: int, block_rank: int) -> tuple:
    """Sort key: more tests fixed, then smaller edits, then agreement with localization."""
    return (-len(v.fixed), edit_chars, block_rank)
