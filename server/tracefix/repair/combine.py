"""Two-edit repairs from partial ones: edits that each fix some failing tests, merged.

A bug in two places shows up as two candidates that each make a different subset of the
failing tests pass. Their merge is one more candidate, validated like any other.
"""
from __future__ import annotations

from tracefix.repair.search import Outcome
from tracefix.repair.candidate import Candidate

MAX_PARTIALS = 8  # partial fixes considered for pairing (the best by tests fixed)
MAX_PAIRS = 6  # merges validated per repair


def complementary(outcomes: list[Outcome]) -> list[tuple[Outcome, Outcome]]:
    """Pairs of single-edit partial fixes at disjoint places whose fixed tests together exceed either's."""
    partial = sorted((o for o in outcomes if not o.candidate.parts),
                     key=lambda o: -len(o.validation.fixed))[:MAX_PARTIALS]
    pairs = []
    for i, a in enumerate(partial):
        for b in partial[i + 1:]:
            fa, fb = set(a.validation.fixed), set(b.validation.fixed)
            if fa <= fb or fb <= fa or _overlap(a.candidate, b.candidate):
                continue  # one adds nothing to the other, or they edit the same text
            pairs.append((a, b))
    pairs.sort(key=lambda p: -len(set(p[0].validation.fixed) | set(p[1].validation.fixed)))
    return pairs[:MAX_PAIRS]


def _overlap(a: Candidate, b: Candidate) -> bool:
    return a.start == b.start or (a.start < b.end and b.start < a.end)


def merged(text: str, first: Candidate, second: Candidate, new_text: str | None = None) -> Candidate:
    """One candidate made of two edits. Without ``new_text`` both edit ``text`` at disjoint spans;
    with it, ``second`` was found on the text ``first`` produced and ``new_text`` is the result."""
    if new_text is None:
        lo, hi = sorted((first, second), key=lambda c: c.start)
        new_text = text[:lo.start] + lo.replacement + text[lo.end:hi.start] + hi.replacement + text[hi.end:]
    both = Candidate(0, len(text), new_text, f"{first.operator}+{second.operator}", min(first.line, second.line),
                     f"{first.old} / {second.old}".strip(" /"), f"{first.new} / {second.new}".strip(" /"),
                     f"{first.title}; and {second.title[:1].lower() + second.title[1:]}", 0.0,
                     block=first.block, block_rank=min(first.block_rank, second.block_rank), new_text=new_text,
                     evidence=" ".join(e for e in (first.evidence, second.evidence) if e))
    both.order = first.order + second.order
    both.parts = [first, second]
    return both
