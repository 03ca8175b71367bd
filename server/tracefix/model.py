"""Plain data passed between pipeline stages (DESIGN.md §1, §2).

Every stage takes and returns these dataclasses; ``to_json`` turns a report into
schema 1. Lines are 1-based everywhere in this module; only the LSP layer and
``TextEdit`` ranges use 0-based positions, because the protocol does.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from tracefix.contract import Cut

SCHEMA = 1

# -- the vocabulary every stage shares (outcomes, what a test is, which tests a name means) ---------------

# Outcomes of a test that did not pass: what localization and repair are about ("skipped" is not one).
FAILING_OUTCOMES = ("failed", "error", "timeout")


def is_failing(outcome: str | None) -> bool:
    return outcome in FAILING_OUTCOMES


def is_test(name: str) -> bool:
    """A test function or method by pytest's default name: ``test*`` (``name`` may be qualified: ``TestA.test_b``)."""
    return name.rsplit(".", 1)[-1].startswith("test")


def is_test_code(name: str) -> bool:
    """A test, or anything in a ``Test*`` class (its helpers): code that tests, never the code under test."""
    return is_test(name) or name.split(".", 1)[0].startswith("Test")


def matches_test(test_id: str, wanted: str) -> bool:
    """Does ``wanted`` name the test ``test_id``: the full id, or its trailing parts (``test_b``, ``TestA::test_b``,
    ``test_b[1]``; a parametrized test's bare name means every case; ``fn`` for ``doctest:fn``)?"""
    if test_id == wanted:
        return True
    return re.search(r"(^|::|:)" + re.escape(wanted) + r"($|\[)", test_id) is not None


@dataclass(frozen=True)
class Block:
    """A basic block: one entry, one exit, a run of statements."""

    id: str  # "function:Bn", stable across runs while the function's shape is unchanged
    function: str  # qualified name ("Stack.push", "<module>")
    start_line: int
    end_line: int
    kind: str = "body"  # what opened the block: body, if, elif, else, for, while, try, except, ...
    leader_line: int = 0  # first line whose execution means "entered this block"

    def contains(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@dataclass(frozen=True)
class Function:
    name: str  # qualified
    start_line: int
    end_line: int
    def_line: int  # the `def` line (decorators excluded)
    params: tuple[str, ...] = ()
    docstring: str = ""


@dataclass
class Segmentation:
    blocks: list[Block]
    functions: list[Function]
    # Regions tree-sitter could not parse: [(start_line, end_line, message)].
    errors: list[tuple[int, int, str]] = field(default_factory=list)

    def block_at(self, line: int) -> Block | None:
        """Innermost block containing ``line``."""
        best = None
        for b in self.blocks:
            if b.contains(line) and (best is None or b.end_line - b.start_line <= best.end_line - best.start_line):
                best = b
        return best

    def line_map(self) -> dict[int, str]:
        """Each line of a block → that block's id (innermost wins)."""
        out: dict[int, str] = {}
        for b in sorted(self.blocks, key=lambda b: b.start_line - b.end_line):
            for line in range(b.start_line, b.end_line + 1):
                out[line] = b.id
        return out


@dataclass(frozen=True)
class TestCase:
    """A test that exercises the document, as discovered (before running)."""

    id: str  # pytest node id relative to the project root (a file or class id runs all it holds), "doctest:fn", "__main__"
    kind: str  # pytest | doctest | script
    file: str  # absolute path of the file that holds it
    line: int = 0


@dataclass
class TestResult:
    id: str
    outcome: str  # passed | failed | error | timeout | skipped
    message: str = ""
    line: int = 0  # line in the debugged document where it failed (assertion/exception), 0 if elsewhere
    duration_ms: float = 0.0
    file: str = ""  # file the test lives in
    test_line: int = 0  # line of the test definition in ``file``
    exception: dict[str, Any] | None = None  # {"type", "message", "line", "block"} when one escaped
    # For failing assertions that compare: {"left": repr, "right": repr, "op": "=="}.
    comparison: dict[str, str] | None = None

    @property
    def failing(self) -> bool:
        return is_failing(self.outcome)


@dataclass
class Visit:
    test: str
    iteration: int  # how many times this block had been entered before in the same call
    before: dict[str, str]
    after: dict[str, str]
    call: int = 0  # which call of the function (per test), to tell recursion levels apart
    depth: int = 0
    returned: str | None = None  # repr of the return value when the block returned
    raised: str | None = None  # "Type: message" when the block raised

    def changes(self) -> dict[str, str]:
        """What this visit changed: each variable it created or gave a new value, with that value.

        The one definition every view uses (CLI trace, diagnostics, hovers, the LLM prompt)."""
        return {k: v for k, v in self.after.items() if self.before.get(k) != v}


# What each per-test budget of the tracer is called when it cut a trace.
BUDGET_NAMES = {Cut.VISITS: "visits per test", Cut.CHARS: "characters of values per test",
                Cut.CALLS: "traced calls per function", Cut.TESTS: "tests that record a function's values",
                Cut.HOT_LINE: "events per line",
                Cut.RECURSION: "recursion limit"}


@dataclass
class TraceGaps:
    """What the tracer left out of one test's trace: the probe's skipped/truncated counters."""

    skipped: dict[str, int] = field(default_factory=dict)  # block id -> visits not recorded (sampling, budgets)
    truncated: list[str] = field(default_factory=list)  # the per-test budgets reached (BUDGET_NAMES keys)

    @property
    def not_recorded(self) -> int:
        return sum(self.skipped.values())

    def note(self) -> str:
        """"trace truncated: at least N values not recorded (...)" when a budget cut the trace, else ""."""
        if not self.truncated:
            return ""
        budgets = ", ".join(BUDGET_NAMES.get(name, name) for name in self.truncated)
        if not self.not_recorded:  # e.g. only Cut.TESTS: whole calls went unrecorded, not counted visits
            return f"trace truncated (budget reached: {budgets})"
        return f"trace truncated: at least {self.not_recorded} values not recorded (budget reached: {budgets})"


@dataclass
class RunResult:
    """What one child run produced."""

    python: str
    tests: list[TestResult]
    # test id → ordered visits ("block id" sequence with values), sampled.
    traces: dict[str, list[tuple[str, Visit]]] = field(default_factory=dict)
    # test id → set of block ids executed (complete, not sampled): the spectrum.
    spectra: dict[str, set[str]] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    error: str = ""  # one-line description when the run itself failed (timeout, crash, bad interpreter)
    duration_ms: float = 0.0
    # test id → project files (relative to the root) it executed, where the interpreter can say (3.12+).
    files: dict[str, list[str]] = field(default_factory=dict)
    protections: list[str] = field(default_factory=list)  # the sandbox layers this run had
    backend: str = ""  # the tracer backend the child used: sys.monitoring | sys.settrace | none
    backend_reason: str = ""  # why that one ("Python 3.11 has no sys.monitoring (3.12+)")
    gaps: dict[str, TraceGaps] = field(default_factory=dict)  # test id -> what its trace left out

    def trace_note(self, test_id: str) -> str:
        gaps = self.gaps.get(test_id)
        return gaps.note() if gaps else ""

    def cut_by(self, test_id: str, *cuts: str) -> bool:
        """Whether one of these budgets (``Cut.*``) cut this test's trace."""
        gaps = self.gaps.get(test_id)
        return gaps is not None and any(c in gaps.truncated for c in cuts)


@dataclass
class ScoredBlock:
    block: Block
    suspiciousness: float
    verdict: str = "unknown"  # incorrect | correct | unknown
    explanation: str = ""  # the short "why this block" sentence a user reads (tracefix.explain)
    details: str = ""  # the long evidence behind it: traced values, spectrum counts, mutants


@dataclass
class Validation:
    fixed: list[str]
    broken: list[str]
    passed: int
    total: int


@dataclass
class Suggestion:
    id: str
    origin: str  # template | llm
    title: str
    explanation: str  # at most two sentences, only names and values from the trace or the document
    diff: str
    edits: list[dict[str, Any]]  # LSP TextEdits, 0-based, against the debugged text
    new_text: str  # the whole document after the edit (not serialized)
    validation: Validation | None = None
    p_accept: float = 0.0
    shown: bool = False
    reason: str = ""
    # Plain features for the decide stage (operator, block rank, agreement, ...).
    features: dict[str, Any] = field(default_factory=dict)
    details: str = ""  # the long evidence: block rank and score, spectrum, predicted effect, re-run


@dataclass
class Report:
    file: str
    python: str
    tests: list[TestResult]
    blocks: list[ScoredBlock]
    suggestions: list[Suggestion]
    run: RunResult | None = None
    segmentation: Segmentation | None = None
    timing_ms: dict[str, float] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)  # one-line notes for the user
    error: str = ""
    # Test files the project's pytest could not import: [{"file", "message"}] (not tests of the user's).
    collection_errors: list[dict[str, str]] = field(default_factory=list)
    no_tests: bool = False  # nothing exercises the document: its own exit code (5), never "all pass"
    root: str = ""  # the project root the run happened in

    @property
    def failing(self) -> list[TestResult]:
        return [t for t in self.tests if t.failing]


def _visits_for(report: Report, block_id: str) -> list[dict[str, Any]]:
    if report.run is None:
        return []
    out = []
    for test_id, seq in report.run.traces.items():
        for step, (bid, visit) in enumerate(seq):
            if bid == block_id:
                # step = position in the test's execution, so clients can replay blocks in order.
                d = {"test": visit.test, "iteration": visit.iteration, "before": visit.before, "after": visit.after,
                     "changes": visit.changes(), "step": step}
                if visit.returned is not None:
                    d["returned"] = visit.returned
                if visit.raised is not None:
                    d["raised"] = visit.raised
                out.append(d)
    return out


def plain_features(features: dict[str, Any]) -> dict[str, Any]:
    """The decide stage's inputs that are JSON scalars: benchmarks refit the model from reports."""
    return {k: v for k, v in features.items() if v is None or isinstance(v, (str, int, float, bool))}


def to_json(report: Report) -> dict[str, Any]:
    """Schema 1 of DESIGN.md §2."""
    return {
        "schema": SCHEMA,
        "file": report.file,
        "python": report.python,
        "tests": [
            {"id": t.id, "outcome": t.outcome, "message": t.message, "line": t.line,
             "duration_ms": round(t.duration_ms, 2)}
            for t in report.tests
        ],
        "blocks": [
            {"id": sb.block.id, "function": sb.block.function, "start_line": sb.block.start_line,
             "end_line": sb.block.end_line, "suspiciousness": round(sb.suspiciousness, 4),
             "verdict": sb.verdict, "explanation": sb.explanation, "details": sb.details,
             "visits": _visits_for(report, sb.block.id)}
            for sb in report.blocks
        ],
        "suggestions": [
            {"id": s.id, "origin": s.origin, "title": s.title, "explanation": s.explanation, "details": s.details,
             "diff": s.diff, "edits": s.edits,
             "validation": asdict(s.validation) if s.validation else None,
             "p_accept": round(s.p_accept, 4), "shown": s.shown, "reason": s.reason,
             "features": plain_features(s.features)}
            for s in report.suggestions
        ],
        "timing_ms": {k: round(v, 1) for k, v in report.timing_ms.items()},
        **({"error": report.error} if report.error else {}),
        **({"root": report.root} if report.root else {}),
        **({"collection_errors": report.collection_errors} if report.collection_errors else {}),
        **({"no_tests": True} if report.no_tests else {}),
        **({"messages": report.messages} if report.messages else {}),
        **({"trace": _trace_json(report.run)} if report.run and report.run.backend else {}),
    }


def _trace_json(run: RunResult) -> dict[str, Any]:
    """How the run was traced and, per test, what its trace left out."""
    return {"backend": run.backend, "backend_reason": run.backend_reason,
            "gaps": {test_id: {"skipped": g.skipped, "not_recorded": g.not_recorded, "truncated": g.truncated}
                     for test_id, g in run.gaps.items()}}
