"""The offline repair engine (DESIGN.md §1 step 5): mutation operators at the most suspicious
blocks, ordered by what the trace predicts, validated by re-running the tests.

If no single edit fixes every failing test but one fixes some, a second round traces the
partly fixed text and searches again from there (bugs often come in pairs); the combined
edit is validated against the original run like any other candidate.
"""
from __future__ import annotations

import re
import threading
import time
from typing import Callable

from tracefix.config import Settings
from tracefix.edits import text_edits, unified_diff
from tracefix.explain import explain
from tracefix.localize import failures as failure_facts, localize, parse
from tracefix.model import RunResult, ScoredBlock, Segmentation, Suggestion, TestCase
from tracefix.repair.context import Context
from tracefix.repair.generate import candidates
from tracefix.repair.search import Outcome, search
from tracefix.repair.source import Candidate
from tracefix.validate import FAILING, compare, is_improvement, rank_key

MAX_SUGGESTIONS = 3


def repair(path: str, text: str, seg: Segmentation, tests: list[TestCase], run: RunResult,
           blocks: list[ScoredBlock], settings: Settings, python: str | None = None,
           cancel: threading.Event | None = None,
           progress: Callable[[str, int], None] | None = None) -> list[Suggestion]:
    """Validated suggestions (strict improvements only), best first."""
    cancel = cancel or threading.Event()
    progress = progress or (lambda _m, _p: None)
    if cancel.is_set() or settings.max_candidates <= 0 or not any(t.outcome in FAILING for t in run.tests):
        return []
    start = time.monotonic()
    deadline = start + settings.repair_seconds
    outcomes, tried = _round(path, text, seg, tests, run, blocks, settings, python, cancel, progress, deadline,
                             settings.max_candidates)
    failing = sum(1 for t in run.tests if t.outcome in FAILING)
    best_fixed = max((len(o.validation.fixed) for o in outcomes), default=0)
    if outcomes and best_fixed < failing and not cancel.is_set() and time.monotonic() < deadline:
        more, tried2 = _second_round(path, text, seg, tests, run, outcomes, settings, python, cancel, progress,
                                     deadline)
        outcomes += more
        tried += tried2
    facts = failure_facts(seg, run, text)
    outcomes.sort(key=lambda o: rank_key(o.validation, o.candidate.edit_size(text), o.candidate.block_rank))
    suggestions = []
    seen = set()
    for o in outcomes:
        if o.candidate.new_text in seen:
            continue
        seen.add(o.candidate.new_text)
        suggestions.append(_suggestion(len(suggestions) + 1, path, text, o, facts, blocks, tried))
        if len(suggestions) >= MAX_SUGGESTIONS:
            break
    return suggestions


def _round(path, text, seg, tests, run, blocks, settings, python, cancel, progress, deadline, limit,
           ) -> tuple[list[Outcome], int]:
    tree = parse(text)
    if tree is None:
        return [], 0
    ctx = Context.build(text, tree, seg, run, failure_facts(seg, run, text))
    cands = candidates(ctx, blocks, path)[:limit]
    for i, c in enumerate(cands):
        c.order = i + 1
    progress(f"validating {len(cands)} candidate fixes", 0)
    return search(path, seg, tests, run, cands, settings, python, cancel, deadline, progress)


def _second_round(path, text, seg, tests, run, outcomes, settings, python, cancel, progress, deadline
                  ) -> tuple[list[Outcome], int]:
    """Trace the best partial fix and repair again from there; validate the pair against ``run``."""
    from tracefix import segment, trace

    first = min(outcomes, key=lambda o: rank_key(o.validation, o.candidate.edit_size(text), o.candidate.block_rank))
    mid_text = first.candidate.new_text
    mid_seg = segment.segment(mid_text)
    mid_run = trace.run_tests(path, mid_text, mid_seg, tests, settings, python=python, cancel=cancel)
    if mid_run.error or not any(t.outcome in FAILING for t in mid_run.tests):
        return [], 0
    mid_blocks = localize(mid_seg, mid_run, mid_text)
    found, tried = _round(path, mid_text, mid_seg, tests, mid_run, mid_blocks, settings, python, cancel,
                   progress, deadline, max(1, settings.max_candidates // 2))
    out = []
    for o in found:
        v = compare(run, o.run)
        if not is_improvement(v):
            continue
        c, f = o.candidate, first.candidate
        both = Candidate(0, len(text), o.candidate.new_text, f"{f.operator}+{c.operator}", min(f.line, c.line),
                         f"{f.old} / {c.old}".strip(" /"), f"{f.new} / {c.new}".strip(" /"),
                         f"{f.title}; and {c.title[:1].lower() + c.title[1:]}", 0.0,
                         block=f.block, block_rank=f.block_rank, new_text=c.new_text,
                         evidence=" ".join(e for e in (f.evidence, c.evidence) if e))
        both.order = f.order + c.order
        both.parts = [f, c]
        out.append(Outcome(both, v, o.run))
    return out, tried


def _suggestion(n: int, path: str, text: str, o: Outcome, facts, blocks: list[ScoredBlock],
                tried: int) -> Suggestion:
    import os

    c, v = o.candidate, o.validation
    diff = unified_diff(text, c.new_text, os.path.basename(path))
    changed = [ln for ln in diff.splitlines()[2:] if ln[:1] in "+-"]
    tokens = lambda s: re.findall(r"\w+|[^\w\s]+", s)  # noqa: E731 - small local helper
    old_t, new_t = tokens(c.old), tokens(c.new)
    edit_tokens = max(1, sum(1 for x, y in zip(old_t, new_t) if x != y) + abs(len(old_t) - len(new_t)))
    return Suggestion(
        id=f"s{n}", origin="template", title=c.title, explanation=explain(c, v, facts, blocks), diff=diff,
        edits=text_edits(text, c.new_text), new_text=c.new_text, validation=v, shown=True, reason="validated",
        features={"operator": c.operator, "edit_lines": len(changed), "edit_tokens": edit_tokens,
                  "block_rank": c.block_rank, "in_top_block": c.block_rank == 0, "tests_fixed": len(v.fixed),
                  "tests_total": v.total, "tests_broken": len(v.broken), "tests_passed": v.passed,
                  "origin": "template",
                  # Search diagnostics for benchmarks: where this candidate sat in the order, how many ran.
                  "candidate_order": c.order, "candidates_validated": tried})
