"""A failure is only localized and repaired once it also reproduces untraced (DESIGN.md §1 step 3, §5).

The first run is traced; every candidate fix is validated untraced. A test that fails only
because it was traced (it inspects ``sys.gettrace()``, times itself, counts objects the
tracer's bookkeeping touched, ...) would then be "fixed" by any harmless edit, and a wrong
fix would be shown with high confidence. So the failing tests are re-run once, untraced:

* a test that fails again is a real failure: localization and repair proceed with it;
* a test that passes untraced is reported as an error whose message starts with
  ``fails only when traced:`` and gives both outcomes; it is never localized or repaired;
* when a re-run alone disagrees with the traced run, the cause may be test order (a test
  that fails only after another one), so the whole selection is re-run untraced in its
  usual order, and that run decides for every test.

``baseline`` is what validation compares candidates with: untraced outcomes wherever an
untraced run exists, so both sides of the comparison are untraced runs.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Callable

from tracefix.config import Settings
from tracefix.model import RunResult, Segmentation, TestCase, TestResult, is_failing
TRACED_ONLY = "fails only when traced"
UNTRACED_ONLY = "fails untraced but passes when traced"


@dataclass
class Confirmation:
    baseline: RunResult  # what localization, repair and validation use
    tests: list[TestResult]  # what the report shows
    traced_only: list[str] = field(default_factory=list)  # ids that failed traced but passed untraced
    notes: list[str] = field(default_factory=list)  # one-line messages for the report

    @property
    def reproduced(self) -> bool:
        """Some failure is real: there is something to localize and repair."""
        return any(t.failing for t in self.baseline.tests)


def confirm(path: str, text: str, seg: Segmentation, tests: list[TestCase], run: RunResult, settings: Settings,
            python: str | None = None, cancel: threading.Event | None = None, project=None,
            progress: Callable[[str, int], None] | None = None) -> Confirmation:
    """Re-run the failing tests of the traced ``run`` untraced and reconcile the two verdicts."""
    from tracefix import childrun

    failing = [t for t in run.tests if t.failing]
    if not failing:
        return Confirmation(run, run.tests)
    if progress is not None:
        progress("re-running the failing tests untraced", 30)
    alone = childrun.run_tests(path, text, seg, rerun_cases(failing, tests), settings, python=python, cancel=cancel,
                            trace=False, project=project)
    if not _disagrees(run, alone) or (cancel is not None and cancel.is_set()):
        return reconcile(run, alone, whole=False)
    # Passing alone may be test order, not tracing: the full selection, untraced, in its usual order.
    whole = childrun.run_tests(path, text, seg, tests, settings, python=python, cancel=cancel, trace=False,
                            project=project)
    if whole.error and not whole.tests:
        return reconcile(run, alone, whole=False)
    return reconcile(run, whole, whole=True)


def rerun_cases(failing: list[TestResult], tests: list[TestCase]) -> list[TestCase]:
    """One case per failing result, by its own id (a file-level case would re-run the passing tests too)."""
    kinds = {t.id: t for t in tests}
    out, seen = [], set()
    for result in failing:
        if result.id in seen:
            continue
        seen.add(result.id)
        case = kinds.get(result.id)
        if case is None:
            kind = "doctest" if result.id.startswith("doctest:") else "script" if result.id == "__main__" else "pytest"
            case = TestCase(result.id, kind, result.file, result.test_line)
        out.append(case)
    return out


def _disagrees(traced: RunResult, untraced: RunResult) -> bool:
    after = {t.id: t.outcome for t in untraced.tests}
    return any(t.failing and after.get(t.id) is not None and not is_failing(after.get(t.id)) for t in traced.tests)


def reconcile(traced: RunResult, untraced: RunResult, whole: bool) -> Confirmation:
    """Report and baseline from a traced run and an untraced re-run (of the failing tests, or of all).

    A test missing from the re-run keeps its traced verdict: nothing shows it would pass.
    """
    after = {t.id: t for t in untraced.tests}
    shown: list[TestResult] = []
    kept: list[TestResult] = []
    traced_only: list[str] = []
    untraced_only: list[str] = []
    for t in traced.tests:
        u = after.get(t.id)
        if u is None:
            shown.append(t)
            kept.append(t)
        elif t.failing and not u.failing:
            traced_only.append(t.id)
            shown.append(replace(t, outcome="error", message=traced_only_message(t, u), line=0,
                                 exception=None, comparison=None))
            kept.append(u)
        elif whole and not t.failing and u.failing:
            untraced_only.append(t.id)
            shown.append(replace(u, message=f"{UNTRACED_ONLY}: {u.message}"))
            kept.append(u)
        else:
            shown.append(t)
            # Only "failing or not" matters to validation; the traced result keeps its trace-aligned details.
            kept.append(t)
    dropped = set(traced_only) | set(untraced_only)
    baseline = replace(traced, tests=kept,
                       traces={k: v for k, v in traced.traces.items() if k not in dropped},
                       spectra={k: v for k, v in traced.spectra.items() if k not in dropped})
    notes = []
    if traced_only:
        notes.append(f"{_count(traced_only)} {TRACED_ONLY.replace('fails', _verb(traced_only))} "
                     f"(passing untraced): no fix is offered for {'it' if len(traced_only) == 1 else 'them'}")
    if untraced_only:
        notes.append(f"{_count(untraced_only)} {UNTRACED_ONLY.replace('fails', _verb(untraced_only))}: "
                     f"{'its trace is' if len(untraced_only) == 1 else 'their traces are'} not used")
    return Confirmation(baseline, shown, traced_only, notes)


def _count(ids: list[str]) -> str:
    return "1 test" if len(ids) == 1 else f"{len(ids)} tests"


def _verb(ids: list[str]) -> str:
    return "fails" if len(ids) == 1 else "fail"


def traced_only_message(traced: TestResult, untraced: TestResult) -> str:
    said = f" ({traced.message})" if traced.message else ""
    return f"{TRACED_ONLY}: traced {traced.outcome}{said}, untraced {untraced.outcome}"
