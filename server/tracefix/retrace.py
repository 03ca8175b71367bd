"""Failing tests whose trace a budget of the run cut, traced again alone with deeper budgets.

Every test of a run is traced with a small budget of calls per function (``Budget.CALLS_PER_CODE``),
and a function's values are recorded in the first ``Budget.TESTS_PER_CODE`` tests that call it only:
a helper that one test calls hundreds of times, or that every test calls, is most of what tracing
costs on a real suite, and the first calls and tests say what it does. A failing test may go wrong in
a later call, or be one of the later tests, so the confirmed failing tests whose trace either budget
cut run once more, traced, alone, with ``DEEP_CALLS`` and no per-run limit; where they fail again,
their traces, spectra and gaps replace the first ones. Failing tests are few, so this costs one short
child run, and only when a budget cut one of them.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from typing import Callable

from tracefix.config import Settings
from tracefix.confirm import rerun_cases
from tracefix.contract import Budget, Cut
from tracefix.model import RunResult, Segmentation, TestCase

DEEP_CALLS = 200  # calls per function traced in a failing test's second run
DEEP_BUDGETS = {Budget.CALLS_PER_CODE: DEEP_CALLS, Budget.TESTS_PER_CODE: 0}  # 0: no per-run limit


def cut_by_budget(run: RunResult) -> list[str]:
    """Failing tests whose trace stopped following some function after its budgeted calls, or that
    ran a function whose values earlier tests of the run had recorded."""
    return [t.id for t in run.tests if t.failing and run.cut_by(t.id, Cut.CALLS, Cut.TESTS)]


def deepen(path: str, text: str, seg: Segmentation, tests: list[TestCase], run: RunResult, settings: Settings,
           python: str | None = None, cancel: threading.Event | None = None, project=None,
           progress: Callable[[str, int], None] | None = None) -> RunResult:
    """``run`` with the deeper traces of its failing tests that a budget cut (unchanged if none)."""
    from tracefix import childrun

    cut = set(cut_by_budget(run))
    if not cut or (cancel is not None and cancel.is_set()):
        return run
    if progress is not None:
        progress(f"tracing {len(cut)} failing test{'s' if len(cut) > 1 else ''} deeper", 35)
    again = childrun.run_tests(path, text, seg, rerun_cases([t for t in run.tests if t.id in cut], tests), settings,
                               python=python, cancel=cancel, budgets=DEEP_BUDGETS,
                               project=project)
    # Only a test that failed again: a different outcome alone would describe another run than the report's.
    deeper = {t.id for t in again.tests if t.failing and t.id in cut and t.id in again.traces}
    if again.error or not deeper:
        return run
    gaps = {i: g for i, g in run.gaps.items() if i not in deeper}
    gaps.update({i: again.gaps[i] for i in deeper if i in again.gaps})
    return replace(run, traces={**run.traces, **{i: again.traces[i] for i in deeper}},
                   spectra={**run.spectra, **{i: again.spectra[i] for i in deeper if i in again.spectra}}, gaps=gaps)
