"""Overfitting guards: signs that a validated edit passes the visible tests without being right.

A fix must make the failing tests pass, but so does an edit that special-cases them. What
gives such an edit away, each measured and handed to the decide model as a feature:
  * passing_drift  the patched program computes different values on the *passing* tests than
                   the original did (their traces are compared); a fix for the failing input
                   should leave what the passing tests compute alone;
  * deletes_code   the edit removes statements;
  * no_op          the edit turns an operation into one that does nothing (`y - 1` → `y - 0`, `n * 2` → `n * 1`):
                   a deletion in disguise, which nobody would write as the fix;
  * const_return   the edit adds a `return <constant>`;
  * test_literals  the edit brings in literal values the failing tests used (`if n == 7:`);
  * neighbour_changed / neighbour_errors  on inputs next to the failing test's arguments, how often
                   the patched function's result differs from the original's, and how often it
                   raises where the original returned (repair/neighbours.py);
  * skips_crash    the failing tests raised at a statement that raised every time any test ran it,
                   and the edit leaves that statement as it is but no test reaches it any more: the
                   broken code is routed around (a flipped `if` in front of it), not repaired.
``suspect`` counts the flags raised; among fixes of equal reach the less suspect one ranks first.
"""
from __future__ import annotations

import ast
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from tracefix.config import Settings
from tracefix.contract import Cut
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
    tokens: list[str] | None = None  # the patched function's results on the failing call's neighbours

    @property
    def suspect(self) -> int:
        f = self.features
        return sum((f.get("passing_drift", 0) > 0, bool(f.get("deletes_code")), bool(f.get("const_return")),
                    f.get("test_literals", 0) > 0, f.get("neighbour_errors", 0) > 0, bool(f.get("skips_crash"))))


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
    tokens = None
    if old_tree is not None and new_tree is not None:
        features["deletes_code"] = _statements(new_tree) < _statements(old_tree)
        features["no_op"] = _no_ops(new_tree) > _no_ops(old_tree)
        features["const_return"] = _constant_returns(new_tree) > _constant_returns(old_tree)
        features["test_literals"] = len(_new_literals(old_tree, new_tree) & _test_values(run, failures))
    if _affordable(run, cancel, deadline):
        patched = patched_run(path, new_text, tests, settings, python, cancel)
        drift = passing_drift_of(run, patched[0]) if patched is not None else None
        if drift is not None:
            features["passing_drift"] = drift
        if patched is not None:
            features["skips_crash"] = skips_crash(text, new_text, run, *patched, failures)
    if base is not None and base.tokens and not cancel.is_set() and time.monotonic() < deadline + GRACE_S:
        # One untraced run of a single doctest: cheap whatever the suite's size.
        tokens = neighbours.tokens(path, new_text, base.call, settings, python, cancel)
        if tokens is not None:
            features.update(neighbours.compare(base.tokens, tokens))
    return Guard(features, tokens)


def _affordable(run: RunResult, cancel: threading.Event, deadline: float) -> bool:
    """A traced run of the whole selection, as long as the original's took, still fits the budget."""
    return not cancel.is_set() and time.monotonic() + run.duration_ms / 1000 < deadline + GRACE_S


def patched_run(path: str, new_text: str, tests: list[TestCase], settings: Settings, python: str | None,
                cancel: threading.Event) -> tuple[RunResult, Segmentation] | None:
    """A traced run of every test on the patched text and its blocks (None: it could not be segmented or run)."""
    from tracefix import segment, childrun

    try:
        new_seg = segment.segment(new_text)
    except Exception:  # segmentation only labels blocks; without it there is nothing to compare
        return None
    patched = childrun.run_tests(path, new_text, new_seg, tests, settings, python=python, cancel=cancel)
    return None if patched.error else (patched, new_seg)


def passing_drift_of(run: RunResult, patched: RunResult) -> float | None:
    """The share of passing tests whose code under test returned other values under the patch, among
    the tests both runs recorded in full (a run records a function's values in its first tests only)."""
    passing = [t.id for t in run.tests
               if t.outcome == "passed" and run.traces.get(t.id) and not run.cut_by(t.id, Cut.TESTS)]
    if not passing:
        return None
    compared = [t for t in passing if patched.traces.get(t) and not patched.cut_by(t, Cut.TESTS)]
    if not compared:
        return None
    changed = sum(1 for t in compared if _returns(run.traces[t]) != _returns(patched.traces[t]))
    return round(changed / len(compared), 4)


def skips_crash(text: str, new_text: str, run: RunResult, patched: RunResult, new_seg: Segmentation,
                failures: list[Failure]) -> bool:
    """The edit routes around a crash instead of repairing it: a failing test raised at a line whose
    block raised on every visit in every test (no test ever ran that code without it raising), the
    edit leaves the line's text unchanged, and under the patch no test's trace reaches that line."""
    old_lines, new_lines = text.splitlines(), new_text.splitlines()
    for f in failures:
        line = int((f.test.exception or {}).get("line") or 0)
        if not f.site or not 0 < line <= len(old_lines) or not old_lines[line - 1].strip():
            continue
        visits = [v for trace in run.traces.values() for b, v in trace if b == f.site]
        if not visits or any(v.raised is None for v in visits):
            continue  # some run got through this code: the line itself can work
        if any(run.cut_by(t, Cut.TESTS) and f.site in blocks for t, blocks in run.spectra.items()):
            continue  # a test ran it without its values recorded: whether it raised there is unknown
        statement = old_lines[line - 1]
        if new_lines.count(statement) != old_lines.count(statement):
            continue  # the edit changed the line (or copied it): not a detour around it
        shifted = _shifted_line(old_lines, new_lines, line)
        if shifted is None:
            continue
        home = new_seg.block_at(shifted)
        if home is not None and not any(home.id in blocks for blocks in patched.spectra.values()):
            return True
    return False


def _shifted_line(old_lines: list[str], new_lines: list[str], line: int) -> int | None:
    """Where line ``line`` of the old text sits in the new one (same text, same count of earlier copies)."""
    statement = old_lines[line - 1]
    nth = old_lines[:line - 1].count(statement)
    seen = 0
    for i, other in enumerate(new_lines):
        if other == statement:
            if seen == nth:
                return i + 1
            seen += 1
    return None


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


# The neutral operand of each operator, and whether it may stand on the left too (`0 + x`, `1 * x`).
_NEUTRAL = {ast.Add: (0, True), ast.Sub: (0, False), ast.Mult: (1, True), ast.Div: (1, False),
            ast.FloorDiv: (1, False), ast.Pow: (1, False), ast.LShift: (0, False), ast.RShift: (0, False),
            ast.BitOr: (0, True), ast.BitXor: (0, True)}


def _no_ops(tree: ast.AST) -> int:
    """Binary operations and augmented assignments with a neutral operand: `x - 0`, `1 * x`, `i += 0`."""
    count = 0
    for n in ast.walk(tree):
        if isinstance(n, ast.BinOp):
            neutral, either = _NEUTRAL.get(type(n.op), (None, False))
            count += _is_number(n.right, neutral) or (either and _is_number(n.left, neutral))
        elif isinstance(n, ast.AugAssign):
            count += _is_number(n.value, _NEUTRAL.get(type(n.op), (None, False))[0])
    return count


def _is_number(node: ast.AST, value) -> bool:
    """An int or float literal equal to ``value`` (never True/False: `x + True` is no neutral operand)."""
    return (value is not None and isinstance(node, ast.Constant) and type(node.value) in (int, float)
            and node.value == value)


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
