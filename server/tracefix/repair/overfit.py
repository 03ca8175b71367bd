"""Overfitting guards: signs that a validated edit passes the visible tests without being right.

A fix must make the failing tests pass, but so does an edit that special-cases them. What
gives such an edit away, each measured and handed to the decide model as a feature:
  * passing_drift  the patched program computes different values on the *passing* tests than
                   the original did (their traces are compared); a fix for the failing input
                   should leave what the passing tests compute alone;
  * deletes_code   the edit removes statements;
  * const_return   the edit adds a `return <constant>`;
  * test_literals  the edit brings in literal values the failing tests used (`if n == 7:`);
  * neighbour_changed / neighbour_errors  on inputs next to the failing test's arguments, how often
                   the patched function's result differs from the original's, and how often it
                   raises where the original returned (repair/neighbours.py).
``suspect`` counts the flags raised; among fixes of equal reach the less suspect one ranks first.
"""
from __future__ import annotations

import ast
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from tracefix.config import Settings
from tracefix.localize import Failure
from tracefix.model import RunResult, Segmentation, TestCase, is_test_code
from tracefix.repair import neighbours
from tracefix.repair.evaluate import Unknown, literal
from tracefix.repair.search import Outcome

TRIVIAL = {0, 1, -1, 2, "", True, False, None}  # constants every program uses: no sign of special-casing
GRACE_S = 5.0  # the trace comparison may run this long past the search budget


@dataclass
class Guard:
    features: dict = field(default_factory=dict)

    @property
    def suspect(self) -> int:
        f = self.features
        return sum((f.get("passing_drift", 0) > 0, bool(f.get("deletes_code")), bool(f.get("const_return")),
                    f.get("test_literals", 0) > 0, f.get("neighbour_errors", 0) > 0))


@dataclass
class Baseline:
    """What the original program showed, computed once per repair and compared with each fix."""

    call: tuple[str, tuple] | None = None  # the failing test's call into the document
    tokens: list[str] | None = None  # the original's results on the call's neighbours

    @classmethod
    def measure(cls, path: str, text: str, run: RunResult, failures: list[Failure], settings: Settings,
                python: str | None, cancel: threading.Event) -> "Baseline":
        call = neighbours.failing_call(run, failures, _parse(text))
        if call is None or cancel.is_set():
            return cls()
        return cls(call, neighbours.tokens(path, text, call, settings, python, cancel))


def overfitting(path: str, text: str, seg: Segmentation, tests: list[TestCase], run: RunResult, outcome: Outcome,
                failures: list[Failure], settings: Settings, python: str | None, cancel: threading.Event,
                deadline: float, base: Baseline | None = None) -> Guard:
    new_text = outcome.candidate.new_text
    old_tree, new_tree = _parse(text), _parse(new_text)
    features: dict = {}
    if old_tree is not None and new_tree is not None:
        features["deletes_code"] = _statements(new_tree) < _statements(old_tree)
        features["const_return"] = _constant_returns(new_tree) > _constant_returns(old_tree)
        features["test_literals"] = len(_new_literals(old_tree, new_tree) & _test_values(run, failures))
    if _affordable(run, cancel, deadline):
        drift = passing_drift(path, new_text, tests, run, settings, python, cancel)
        if drift is not None:
            features["passing_drift"] = drift
    if base is not None and base.tokens and not cancel.is_set() and time.monotonic() < deadline + GRACE_S:
        # One untraced run of a single doctest: cheap whatever the suite's size.
        patched = neighbours.tokens(path, new_text, base.call, settings, python, cancel)
        if patched is not None:
            features.update(neighbours.compare(base.tokens, patched))
    return Guard(features)


def _affordable(run: RunResult, cancel: threading.Event, deadline: float) -> bool:
    """A traced run of the whole selection, as long as the original's took, still fits the budget."""
    return not cancel.is_set() and time.monotonic() + run.duration_ms / 1000 < deadline + GRACE_S


def passing_drift(path: str, new_text: str, tests: list[TestCase], run: RunResult, settings: Settings,
                  python: str | None, cancel: threading.Event) -> float | None:
    """Share of passing tests whose traced return values change under ``new_text`` (None: can't tell)."""
    from tracefix import segment, childrun

    passing = [t.id for t in run.tests if t.outcome == "passed" and run.traces.get(t.id)]
    if not passing:
        return None
    try:
        new_seg = segment.segment(new_text)
    except Exception:  # segmentation only labels blocks; without it there is nothing to compare
        return None
    patched = childrun.run_tests(path, new_text, new_seg, tests, settings, python=python, cancel=cancel)
    if patched.error:
        return None
    compared = [t for t in passing if patched.traces.get(t)]
    if not compared:
        return None
    changed = sum(1 for t in compared if _returns(run.traces[t]) != _returns(patched.traces[t]))
    return round(changed / len(compared), 4)


def _returns(visits) -> Counter:
    """What a test's run computed: values returned by the code under test, per function.

    Block ids shift when an edit adds a block, so functions (not blocks) are compared."""
    out: Counter = Counter()
    for block_id, visit in visits:
        function = block_id.rsplit(":", 1)[0]
        if visit.returned is not None and not is_test_code(function):
            out[(function, visit.returned)] += 1
    return out


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _statements(tree: ast.AST) -> int:
    return sum(1 for n in ast.walk(tree) if isinstance(n, ast.stmt))


def _constant_returns(tree: ast.AST) -> int:
    return sum(1 for n in ast.walk(tree) if isinstance(n, ast.Return) and isinstance(n.value, ast.Constant))


def _constants(tree: ast.AST) -> Counter:
    return Counter(_key(n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant)
                   and not isinstance(n.value, (bytes, type(...))))


def _key(value) -> tuple:
    return (type(value).__name__, value)


def _new_literals(old: ast.AST, new: ast.AST) -> set[tuple]:
    added = _constants(new) - _constants(old)
    return {k for k in added if k[1] not in TRIVIAL}


def _test_values(run: RunResult, failures: list[Failure]) -> set[tuple]:
    """Plain values the failing tests handed in or expected: arguments at each call of the code under
    test (the first visit of a call) and the expected side of the failed comparison."""
    values: set[tuple] = set()
    for f in failures:
        try:
            _flatten(literal(f.expected), values)
        except Unknown:
            pass
        seen_calls = set()
        for block_id, visit in run.traces.get(f.test.id, []):
            function = block_id.rsplit(":", 1)[0]
            if is_test_code(function) or (function, visit.call) in seen_calls:
                continue
            seen_calls.add((function, visit.call))
            for text in visit.before.values():
                try:
                    _flatten(literal(text), values)
                except Unknown:
                    continue
    return values


def _flatten(value, out: set[tuple], depth: int = 0) -> None:
    if depth > 3 or len(out) > 500:
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _flatten(item, out, depth + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            _flatten(k, out, depth + 1)
            _flatten(v, out, depth + 1)
    elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
        out.add(_key(value))
