"""The offline repair engine (DESIGN.md §1 step 5): mutation operators at the most suspicious
blocks, ordered by what the trace predicts, validated by re-running the tests.

If no single edit fixes every failing test, partial fixes whose fixed tests complement each
other are merged and validated together; then a second round traces the best partial fix and
searches again from there (bugs often come in pairs). A combined edit is validated against the
original run like any other candidate.

Every candidate run is also a mutant of its block: what the runs showed re-ranks the blocks
(``localize.rerank``), and the block a validated fix edits is put first, so the report points
where the fix is.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Callable

from tracefix.config import Settings
from tracefix.edits import edit_size, text_edits, unified_diff
from tracefix.explain import explain
from tracefix.localize import (Probe, edited_blocks, failures as failure_facts, fix_sentence, localize, parse,
                               promote, rerank)
from tracefix.model import RunResult, ScoredBlock, Segmentation, Suggestion, TestCase
from tracefix.repair.combine import complementary, merged
from tracefix.repair.context import Context
from tracefix.repair.generate import candidates
from tracefix.repair.overfit import Baseline, Guard, overfitting
from tracefix.repair.search import Mutant, Outcome, search
from tracefix.repair.replace import replacements
from tracefix.repair.switch import switches
from tracefix.repair.candidate import Candidate
from tracefix.validate import compare, is_improvement, rank_key

MAX_SUGGESTIONS = 3


@dataclass
class Repaired:
    suggestions: list[Suggestion]
    blocks: list[ScoredBlock]  # the ranking once the candidates' runs are taken into account


def repair(path: str, text: str, seg: Segmentation, tests: list[TestCase], run: RunResult,
           blocks: list[ScoredBlock], settings: Settings, python: str | None = None,
           cancel: threading.Event | None = None,
           progress: Callable[[str, int], None] | None = None) -> list[Suggestion]:
    """Validated suggestions (strict improvements only), best first."""
    return repair_and_rank(path, text, seg, tests, run, blocks, settings, python, cancel, progress).suggestions


def repair_and_rank(path: str, text: str, seg: Segmentation, tests: list[TestCase], run: RunResult,
                    blocks: list[ScoredBlock], settings: Settings, python: str | None = None,
                    cancel: threading.Event | None = None,
                    progress: Callable[[str, int], None] | None = None) -> Repaired:
    """Validated suggestions, best first, and the blocks re-ranked by what the candidate runs showed."""
    cancel = cancel or threading.Event()
    progress = progress or (lambda _m, _p: None)
    if cancel.is_set() or settings.max_candidates <= 0 or not any(t.failing for t in run.tests):
        return Repaired([], blocks)
    start = time.monotonic()
    deadline = start + settings.repair_seconds
    mutants: list[Mutant] = []
    outcomes, tried = _round(path, text, seg, tests, run, blocks, settings, python, cancel, progress, deadline,
                             settings.max_candidates, mutants)
    failing = sum(1 for t in run.tests if t.failing)
    if _incomplete(outcomes, failing, cancel, deadline):
        more, tried2 = _combine_partials(path, text, seg, tests, run, outcomes, settings, python, cancel, progress,
                                         deadline)
        outcomes += more
        tried += tried2
    if _incomplete(outcomes, failing, cancel, deadline):
        more, tried2 = _second_round(path, text, seg, tests, run, outcomes, settings, python, cancel, progress,
                                     deadline)
        outcomes += more
        tried += tried2
    switched, replaced = _probe(path, text, seg, tests, run, blocks, outcomes, settings, python, cancel, progress,
                                deadline)
    facts = failure_facts(seg, run, text)
    outcomes = _distinct(sorted(outcomes, key=lambda o: _rank_key(text, o)))[:MAX_SUGGESTIONS]
    base = Baseline.measure(path, text, run, facts, settings, python, cancel) if outcomes else None
    guards = [overfitting(path, text, seg, tests, run, o, facts, settings, python, cancel, deadline, base)
              for o in outcomes]
    order = sorted(range(len(outcomes)), key=lambda i: (-len(outcomes[i].validation.fixed), guards[i].suspect,
                                                        i))
    outcomes, guards = [outcomes[i] for i in order], [guards[i] for i in order]
    passing = sum(1 for t in run.tests if t.outcome == "passed")
    ranked = rerank(blocks, mutants, failing, passing, switched, replaced)
    for o, g in zip(outcomes, guards):
        g.features["rivals"] = rivals(o, outcomes)
        g.features["alternatives"] = alternatives(o, g, outcomes, guards)
        # Where the edit sits in the ranking the candidate runs produced, before the best fix's block
        # is promoted below: that promotion is the fix's own claim, not evidence for it.
        g.features["block_rank"] = edit_rank(ranked, seg, text, o)
        g.features["in_top_block"] = g.features["block_rank"] == 0
    if outcomes and guards[0].features.get("skips_crash"):
        ranked = _at_crash(ranked, seg, facts)
    elif outcomes:
        ranked = _agree(ranked, seg, text, outcomes[0], failing)
    suggestions = [_suggestion(i + 1, path, text, o, g.features, facts, ranked, tried)
                   for i, (o, g) in enumerate(zip(outcomes, guards))]
    return Repaired(suggestions, ranked)


def rivals(outcome: Outcome, outcomes: list[Outcome]) -> int:
    """Other fixes that also leave no test failing but edit another block: the tests do not say which
    one is meant (an ambiguity the decide model weighs; abstaining beats a coin toss)."""
    if not _all_pass(outcome):
        return 0
    return sum(1 for o in outcomes
               if o is not outcome and _all_pass(o) and o.candidate.block != outcome.candidate.block)


def alternatives(outcome: Outcome, guard: Guard, outcomes: list[Outcome], guards: list[Guard]) -> int:
    """Other fixes of the same block that also leave no test failing and compute something else on the
    failing call's neighbouring inputs (or could not be compared there): the tests pass either way, so they
    do not say which is meant (a decide feature). Fixes that agree on every neighbour (`a < b`, `b > a`) are
    one fix."""
    if not _all_pass(outcome):
        return 0
    return sum(1 for o, g in zip(outcomes, guards)
               if o is not outcome and _all_pass(o) and o.candidate.block == outcome.candidate.block
               and (g.tokens is None or guard.tokens is None or g.tokens != guard.tokens))


def edit_rank(ranked: list[ScoredBlock], seg: Segmentation, text: str, outcome: Outcome) -> int:
    """0-based rank of the best-ranked block the outcome's edit changes; -1 when it changes no ranked block."""
    edited = set(edited_blocks(seg, text_edits(text, outcome.candidate.new_text)) or [outcome.candidate.block])
    return next((i for i, sb in enumerate(ranked) if sb.block.id in edited), -1)


def _rank_key(text: str, o: Outcome) -> tuple:
    return rank_key(o.validation, edit_size(text, o.candidate.new_text).chars, o.candidate.block_rank)


def _all_pass(o: Outcome) -> bool:
    """No test fails with the fix (skipped and xfailed tests of a real suite neither pass nor fail)."""
    return not any(t.failing for t in o.run.tests)


def _incomplete(outcomes: list[Outcome], failing: int, cancel: threading.Event, deadline: float) -> bool:
    """Some partial fix exists, none fixes every failing test, and there is time to look further."""
    best_fixed = max((len(o.validation.fixed) for o in outcomes), default=0)
    return bool(outcomes) and best_fixed < failing and not cancel.is_set() and time.monotonic() < deadline


def _distinct(outcomes: list[Outcome]) -> list[Outcome]:
    seen: set[str] = set()
    out = []
    for o in outcomes:
        if o.candidate.new_text not in seen:
            seen.add(o.candidate.new_text)
            out.append(o)
    return out


def _at_crash(ranked: list[ScoredBlock], seg: Segmentation, facts) -> list[ScoredBlock]:
    """The best fix is a detour (overfit.skips_crash): the broken code is the statement it routes around,
    where the failing tests raised, so that block goes first, not the detour's."""
    site = next((f.site for f in facts if f.site), None)
    block = next((b for b in seg.blocks if b.id == site), None)
    if block is None:
        return ranked
    return promote(ranked, block, "The failing tests raise here every time this code runs.")


def _agree(ranked: list[ScoredBlock], seg: Segmentation, text: str, best: Outcome,
           failing: int) -> list[ScoredBlock]:
    """The block the best fix edits goes first: a validated edit is the strongest evidence there is."""
    edited = edited_blocks(seg, text_edits(text, best.candidate.new_text)) or [best.candidate.block]
    order = {sb.block.id: i for i, sb in enumerate(ranked)}
    home = min(edited, key=lambda b: order.get(b, len(order)))
    block = next((b for b in seg.blocks if b.id == home), None)
    if block is None:
        return ranked
    best.candidate.block = home  # what its explanation names
    return promote(ranked, block, fix_sentence(len(best.validation.fixed), failing))


def _round(path, text, seg, tests, run, blocks, settings, python, cancel, progress, deadline, limit,
           mutants: list[Mutant] | None = None) -> tuple[list[Outcome], int]:
    tree = parse(text)
    if tree is None:
        return [], 0
    ctx = Context.build(text, tree, seg, run, failure_facts(seg, run, text))
    cands = candidates(ctx, blocks, path)[:limit]
    for i, c in enumerate(cands):
        c.order = i + 1
    progress(f"validating {len(cands)} candidate fixes", 0)
    return search(path, seg, tests, run, cands, settings, python, cancel, deadline, progress, mutants)


def _probe(path, text, seg, tests, run, blocks, outcomes, settings, python, cancel, progress, deadline
           ) -> tuple[list[Probe], list[Probe]]:
    """(predicate switches, value replacements) that made failing tests pass: repair/switch.py, then
    repair/replace.py, while no fix passes every failing test and time is left. The runs are evidence
    for the ranking only, never suggestions."""
    failing = [t for t in run.tests if t.failing]
    best_fixed = max((len(o.validation.fixed) for o in outcomes), default=0)
    tree = parse(text)
    if tree is None or best_fixed >= len(failing):
        return [], []
    from tracefix.confirm import rerun_cases

    # Only the failing tests run: the probe is forced on the failing runs; what it does to a passing
    # test (it takes the other branch or the forced value there too) says nothing about where the
    # failing ones go astray.
    # Against a baseline of just those tests, the runs that made some pass are the search's finds.
    only = dataclasses.replace(run, tests=failing)
    cases = rerun_cases(failing, tests)

    def probed(what: str, make: Callable[[], list[Candidate]]) -> list[Probe]:
        if cancel.is_set() or time.monotonic() >= deadline:
            return []
        cands = make()
        if not cands:
            return []
        progress(f"probing {len(cands)} {what}", 0)
        hits, _ = search(path, seg, cases, only, cands, settings, python, cancel, deadline, progress)
        return [Probe(o.candidate.block, len(o.validation.fixed), getattr(o.candidate, "name", "")) for o in hits]

    return (probed("branch conditions", lambda: switches(text, tree, seg, blocks)),
            probed("assigned values", lambda: replacements(text, tree, seg, blocks, run)))


def _combine_partials(path, text, seg, tests, run, outcomes, settings, python, cancel, progress, deadline
                      ) -> tuple[list[Outcome], int]:
    """Validate the merge of partial fixes that each fix some failing tests and together fix more."""
    pairs = complementary(outcomes)
    if not pairs:
        return [], 0
    cands = [merged(text, a.candidate, b.candidate) for a, b in pairs]
    progress(f"validating {len(cands)} combined fixes", 0)
    return search(path, seg, tests, run, cands, settings, python, cancel, deadline, progress)


def _second_round(path, text, seg, tests, run, outcomes, settings, python, cancel, progress, deadline
                  ) -> tuple[list[Outcome], int]:
    """Trace the best partial fix and repair again from there; validate the pair against ``run``."""
    from tracefix import segment, childrun

    first = min(outcomes, key=lambda o: _rank_key(text, o))
    mid_text = first.candidate.new_text
    mid_seg = segment.segment(mid_text)
    mid_run = childrun.run_tests(path, mid_text, mid_seg, tests, settings, python=python, cancel=cancel)
    if mid_run.error or not any(t.failing for t in mid_run.tests):
        return [], 0
    mid_blocks = localize(mid_seg, mid_run, mid_text)
    found, tried = _round(path, mid_text, mid_seg, tests, mid_run, mid_blocks, settings, python, cancel,
                   progress, deadline, max(1, settings.max_candidates // 2))
    out = []
    for o in found:
        v = compare(run, o.run)
        if not is_improvement(v):
            continue
        both = merged(text, first.candidate, o.candidate, new_text=o.candidate.new_text)
        out.append(Outcome(both, v, o.run))
    return out, tried


def _suggestion(n: int, path: str, text: str, o: Outcome, guard_features: dict, facts,
                blocks: list[ScoredBlock], tried: int) -> Suggestion:
    import os

    c, v = o.candidate, o.validation
    diff = unified_diff(text, c.new_text, os.path.basename(path))
    size = edit_size(text, c.new_text)
    return Suggestion(
        id=f"s{n}", origin="template", title=c.title, explanation=explain(c, v, facts, blocks), diff=diff,
        edits=text_edits(text, c.new_text), new_text=c.new_text, validation=v, shown=True, reason="validated",
        features={"operator": c.operator, "edit_lines": size.lines, "edit_tokens": size.tokens,
                  "tests_fixed": len(v.fixed), "tests_total": v.total, "tests_broken": len(v.broken), "tests_passed": v.passed,
                  "origin": "template", "block": c.block, "edits": max(1, len(c.parts)),
                  **guard_features,  # with block_rank / in_top_block in the re-ranked blocks
                  # Search diagnostics for benchmarks: where this candidate sat in the order, how many ran.
                  "candidate_order": c.order, "candidates_validated": tried})
