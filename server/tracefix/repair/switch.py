"""Predicate switching (Zhang, Gupta & Gupta, ICSE 2006) as a localization probe.

On the failing run, force the other outcome of a branch and see whether the failing tests pass:
a branch whose forced outcome makes them pass is where the run went astray, so the block that
decides it gains suspiciousness (``localize.rerank``). Here the switch is a source edit of the
condition, ``if c:`` → ``if not (c):`` (also ``elif`` and ``while``), run in the sandboxed child
on the failing tests only, like a repair candidate; it flips every evaluation of that condition in
those runs, not one instance as the original dynamic technique does, and it is never offered as a
fix: its result is evidence only (the repair search's own "negate the condition" candidates are
fixes, judged on every test).

Switches are tried at the conditions of the most suspicious blocks, best ranked first, and only
when the fix search left time over without finding an edit that fixes every failing test (with
such a fix the report already points at the block it edits).
"""
from __future__ import annotations

import ast

from tracefix.model import ScoredBlock, Segmentation, is_test_code
from tracefix.repair.candidate import Candidate, Source

MAX_SWITCHES = 6  # child runs spent on switches per debug run
TOP_BLOCKS = 4


def top_blocks(blocks: list[ScoredBlock]) -> dict[str, int]:
    """Block id → 0-based rank of the ``TOP_BLOCKS`` most suspicious blocks outside test code: where the
    probes (switches here, value replacements in repair/replace.py) are tried."""
    ranked = [sb for sb in blocks if sb.suspiciousness > 0 and not is_test_code(sb.block.function)][:TOP_BLOCKS]
    return {sb.block.id: r for r, sb in enumerate(ranked)}


def switches(text: str, tree: ast.AST, seg: Segmentation, blocks: list[ScoredBlock],
             limit: int | None = None) -> list[Candidate]:
    """One negated-condition candidate per ``if``/``elif``/``while`` test in the top blocks, best block first
    (at most ``limit``, default ``MAX_SWITCHES``)."""
    limit = MAX_SWITCHES if limit is None else limit
    rank = top_blocks(blocks)
    src = Source(text)
    found: list[tuple[int, int, Candidate]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.If, ast.While)):
            continue
        home = seg.block_at(node.test.lineno)
        if home is None or home.id not in rank:
            continue
        start, end = src.span(node.test)
        old = text[start:end]
        if "\n" in old:
            continue  # a condition over several lines: keep the edit to one line
        cand = Candidate(start, end, f"not ({old})", "predicate_switch", node.test.lineno, old, f"not ({old})",
                         f"Switch the outcome of `{old}`", 0.0, block=home.id, block_rank=rank[home.id])
        cand.new_text = cand.apply(text)
        found.append((rank[home.id], node.test.lineno, cand))
    found.sort(key=lambda t: (t[0], t[1]))
    return [c for _, _, c in found[:limit]]
