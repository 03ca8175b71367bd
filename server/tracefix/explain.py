"""Explanations for suggestions, written only from evidence (DESIGN.md §1 steps 5-6).

Four parts, each from something measured: what a failing test expected (its assertion or
exception), which block went wrong and with what values (the localization rationale), what
the edit changes (the exact old and new text), and what the re-run showed.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tracefix.localize import Failure, short
from tracefix.model import ScoredBlock, Validation

if TYPE_CHECKING:  # the repair package imports this module; avoid the cycle at run time
    from tracefix.repair.source import Candidate


def snippet(text: str, limit: int = 60) -> str:
    return short(" ".join(text.split()), limit)


def failure_sentence(f: Failure) -> str:
    t = f.test
    if f.expected is not None and f.actual is not None:
        return f"{t.id} expected {short(f.expected)} but got {short(f.actual)}."
    exc = t.exception or {}
    if exc.get("type") and exc.get("type") != "AssertionError":
        where = f" at line {exc['line']}" if exc.get("line") else ""
        msg = short((exc.get("message") or "").splitlines()[0] if exc.get("message") else "", 50)
        return f"{t.id} raised {exc['type']}{': ' + msg if msg else ''}{where}."
    if t.message:
        return f"{t.id} failed: {short(t.message.splitlines()[0], 60)}."
    return f"{t.id} {t.outcome}."


def edit_sentence(c: Candidate) -> str:
    if c.parts:  # two edits found in two rounds
        first, *rest = [edit_sentence(p).rstrip(".") for p in c.parts]
        return first + "".join(", then " + r.removeprefix("The edit ") for r in rest) + "."
    if c.old and c.new:
        return f"The edit changes `{snippet(c.old, 50)}` to `{snippet(c.new, 50)}` on line {c.line}."
    if c.new:
        return f"The edit inserts `{snippet(c.new, 60)}` before line {c.line}."
    return f"The edit removes `{snippet(c.old, 50)}` on line {c.line}."


def rerun_sentence(v: Validation, failing_before: int) -> str:
    fixed = len(v.fixed)
    if v.passed == v.total:
        return (f"Re-running the tests with the edit: {fixed} failing test{'s' if fixed != 1 else ''} now "
                f"pass{'es' if fixed == 1 else ''} and all {v.total} tests pass.")
    return (f"Re-running the tests with the edit: it fixes {fixed} of {failing_before} failing tests "
            f"({', '.join(v.fixed[:3])}{'…' if fixed > 3 else ''}), breaks none, and {v.passed} of {v.total} pass.")


def explain(c: Candidate, v: Validation, failures: list[Failure], blocks: list[ScoredBlock]) -> str:
    parts = []
    fixed = [f for f in failures if f.test.id in v.fixed] or failures
    if fixed:
        parts.append(failure_sentence(fixed[0]))
    # The rank said is the block's place in ``blocks`` as the report shows them, after repair re-ranked them.
    rank = next((i for i, b in enumerate(blocks) if b.block.id == c.block), None)
    if rank is not None:
        sb = blocks[rank]
        b = sb.block
        lines = f"line {b.start_line}" if b.start_line == b.end_line else f"lines {b.start_line}-{b.end_line}"
        why = sb.explanation[:1].lower() + sb.explanation[1:]
        parts.append(f"Block {b.id} ({lines}) is suspect #{rank + 1} "
                     f"(suspiciousness {sb.suspiciousness:.2f}): {why}")
    parts.append(edit_sentence(c))
    if c.evidence:
        parts.append(c.evidence[:1].upper() + c.evidence[1:] + ".")
    parts.append(rerun_sentence(v, len(failures)))
    return " ".join(p if p.endswith((".", "…")) else p + "." for p in parts)


def restate_rank(explanation: str, top: ScoredBlock) -> str:
    """``explanation`` with its sentence about the fixed block's rank saying it is now the top suspect."""
    pattern = rf"Block {re.escape(top.block.id)} (\([^)]*\)) is suspect #\d+ \(suspiciousness [0-9.]+\)"
    return re.sub(pattern, lambda m: f"Block {top.block.id} {m.group(1)} is suspect #1 "
                                     f"(suspiciousness {top.suspiciousness:.2f})", explanation, count=1)
