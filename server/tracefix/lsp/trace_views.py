"""Traced values in the editor: inlay hints at the end of suspicious blocks, and block hovers.

Both show the visit a block's rationale is about (``diagnostics.agrees``), so a sentence
saying "with score = 90" never sits next to values where score is 95. The hover is also
where a fix's explanation lives, since quick-fix titles are kept short.
"""
from __future__ import annotations

import re

from lsprotocol import types
from pygls.workspace import PositionCodec

from tracefix.lsp.code_actions import fix_title
from tracefix.lsp.diagnostics import agreeing_visits, changed, fmt_values, short_test, suspects
from tracefix.lsp.positions import line_range, to_client
from tracefix.lsp.state import Snapshot
from tracefix.model import Block, ScoredBlock, Suggestion, Visit


_INTERNAL = re.compile(r"\b[\w.<>]+:B\d+\b|suspiciousness \d|suspect #\d")


def readable(explanation: str) -> str:
    """The explanation without sentences that speak in block ids or scores (the editor shows places)."""
    sentences = re.split(r"(?<=\.) (?=[A-Z])", explanation.strip())
    return " ".join(s for s in sentences if not _INTERNAL.search(s))


def _lines(b: Block) -> str:
    return f"line {b.start_line}" if b.end_line == b.start_line else f"lines {b.start_line}–{b.end_line}"


def inlay_hints(snapshot: Snapshot, codec: PositionCodec, rng: types.Range) -> list[types.InlayHint]:
    """After each suspicious block's last line: the values it left behind on the selected failing test."""
    test = snapshot.trace_test()
    lines = snapshot.lines
    hints = []
    for sb in suspects(snapshot.report):
        b = sb.block
        line0 = min(b.end_line, len(lines)) - 1
        if not rng.start.line <= line0 <= rng.end.line:
            continue
        visits = agreeing_visits(sb.explanation, snapshot.visits(b.id, test)) or snapshot.visits(b.id, test)
        if not visits:
            continue
        last = visits[-1]
        label = fmt_values(changed(last), 60)
        if last.raised:
            label = f"raised {last.raised}"[:60]
        elif last.returned is not None:
            label = f"return {last.returned}"[:60]
        if not label:
            continue
        hints.append(types.InlayHint(
            position=to_client(codec, lines, line0, len(lines[line0].rstrip("\r\n"))),
            label=f"⟵ {label}", padding_left=True,
            tooltip=f"tracefix: values after {_lines(b)} in {short_test(test or '')}",
        ))
    return hints


def _block_at(snapshot: Snapshot, line1: int) -> tuple[Block, ScoredBlock | None] | None:
    scored = [sb for sb in snapshot.report.blocks if sb.block.contains(line1)]
    if scored:
        best = min(scored, key=lambda sb: sb.block.end_line - sb.block.start_line)
        return best.block, best
    seg = snapshot.report.segmentation
    block = seg.block_at(line1) if seg else None
    return (block, None) if block else None


def _visit_rows(visits: list[Visit], keep: int = 3) -> list[str]:
    shown = visits if len(visits) <= 2 * keep else visits[:keep] + visits[-keep:]
    rows = []
    for v in shown:
        rows.append(f"#{v.iteration:<3} before: {fmt_values(v.before, 70) or '–'}")
        rows.append(f"     after:  {fmt_values(v.after, 70) or '–'}"
                    + (f"  raised {v.raised}" if v.raised else "")
                    + (f"  returned {v.returned}" if v.returned is not None else ""))
    if len(shown) < len(visits):
        rows.insert(2 * keep, f"… {len(visits) - len(shown)} more visits …")
    return rows


def _fixes_here(snapshot: Snapshot, block: Block) -> list[Suggestion]:
    """Shown fixes that edit this block's function (where the hover is, the fix is worth reading)."""
    seg = snapshot.report.segmentation
    fn = next((f for f in (seg.functions if seg else []) if f.name == block.function), None)
    lo, hi = (fn.start_line, fn.end_line) if fn else (block.start_line, block.end_line)
    return [s for s in snapshot.report.suggestions if s.shown and any(
        lo - 1 <= e["range"]["start"]["line"] <= hi - 1 for e in s.edits)]


def hover(snapshot: Snapshot, codec: PositionCodec, position: types.Position) -> types.Hover | None:
    found = _block_at(snapshot, position.line + 1)
    if found is None:
        return None
    block, scored = found
    test = snapshot.trace_test()
    visits = snapshot.visits(block.id, test)
    if scored is None and not visits:
        return None
    parts = [f"**tracefix** · `{block.function}` {_lines(block)}"]
    if scored is not None:
        top = suspects(snapshot.report, 1)
        rank = "the most suspicious block" if top and top[0] is scored else None
        verdict = {"incorrect": "judged incorrect", "correct": "judged correct"}.get(scored.verdict)
        if rank or verdict:
            parts.append(" · ".join(p for p in (rank, verdict) if p).capitalize())
        if scored.explanation:
            parts.append(scored.explanation)
            visits = agreeing_visits(scored.explanation, visits) or visits
    if visits:
        parts.append(f"Values in `{short_test(test or '')}`:\n```text\n" + "\n".join(_visit_rows(visits)) + "\n```")
        parts += filter(None, [snapshot.report.run.trace_note(test or "")])  # visits imply a run
    elif test:
        parts.append(f"Not executed by `{short_test(test)}`.")
    if scored is not None and scored.details:  # the evidence behind the sentence (ranks, counts), last
        parts.append(f"*Evidence:* {scored.details}")
    for s in _fixes_here(snapshot, block)[:2]:
        why = readable(s.explanation or "")
        parts.append(f"**Fix available** (lightbulb): {fix_title(s)}" + (f"\n\n{why}" if why else ""))
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n".join(parts)),
        range=line_range(codec, snapshot.lines, block.start_line, block.end_line),
    )
