"""Report → diagnostics: failing tests as errors, the most suspicious blocks as warnings.

Suspicious-block diagnostics carry the evidence in ``relatedInformation``: where the
failing tests are, and the values the block saw on the failing run, so an editor
without any tracefix UI still shows why a block is suspect.
"""
from __future__ import annotations

import os

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace import PositionCodec

from tracefix.lsp.positions import line_range
from tracefix.lsp.state import Snapshot
from tracefix.model import Report, ScoredBlock, TestResult, Visit

SOURCE = "tracefix"
MAX_SUSPECTS = 3
MAX_RELATED = 6


def suspects(report: Report, limit: int = MAX_SUSPECTS) -> list[ScoredBlock]:
    """The blocks worth pointing at: positive score, within half of the top one, at most ``limit``."""
    ranked = sorted((b for b in report.blocks if b.suspiciousness > 0), key=lambda b: -b.suspiciousness)
    if not ranked:
        return []
    floor = ranked[0].suspiciousness / 2
    return [b for b in ranked if b.suspiciousness >= floor][:limit]


def fmt_values(values: dict[str, str], limit: int = 80) -> str:
    text = ", ".join(f"{k}={v}" for k, v in values.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changed(visit: Visit) -> dict[str, str]:
    """Variables the block changed (all of ``after`` when nothing changed, so the hint is never empty)."""
    diff = {k: v for k, v in visit.after.items() if visit.before.get(k) != v}
    return diff or dict(visit.after)


def describe_visit(visit: Visit) -> str:
    text = f"{visit.test} #{visit.iteration}: {fmt_values(visit.before, 60) or '–'} → {fmt_values(changed(visit), 60)}"
    if visit.raised:
        text += f" (raised {visit.raised})"
    elif visit.returned is not None:
        text += f" (returned {visit.returned})"
    return text


def _test_file(snapshot: Snapshot, test: TestResult) -> str:
    """Test files are reported relative to the document's folder."""
    file = test.file or snapshot.path
    if not os.path.isabs(file):
        file = os.path.join(os.path.dirname(snapshot.path), file)
    return os.path.normpath(file)


def _test_uri(snapshot: Snapshot, test: TestResult) -> str:
    return from_fs_path(_test_file(snapshot, test)) or snapshot.uri


def _test_location(snapshot: Snapshot, test: TestResult) -> types.Location:
    line0 = max(test.test_line - 1, 0)
    pos = types.Position(line=line0, character=0)
    return types.Location(uri=_test_uri(snapshot, test), range=types.Range(start=pos, end=pos))


def _failure_line(snapshot: Snapshot, test: TestResult, top: ScoredBlock | None) -> int:
    """Where a failing test is reported in this document (1-based)."""
    if test.line:
        return test.line
    if test.exception and test.exception.get("line"):
        return int(test.exception["line"])
    same_file = _test_file(snapshot, test) == os.path.normpath(snapshot.path)
    if same_file and test.test_line:
        return test.test_line
    if top is not None:  # a test elsewhere failed: point at the function that most likely broke it
        seg = snapshot.report.segmentation
        fn = next((f for f in (seg.functions if seg else []) if f.name == top.block.function), None)
        return fn.def_line if fn else top.block.start_line
    return 1


def build(snapshot: Snapshot, codec: PositionCodec) -> list[types.Diagnostic]:
    report, lines = snapshot.report, snapshot.lines
    failing = snapshot.failing()
    if not failing:
        return []
    top_blocks = suspects(report)
    out: list[types.Diagnostic] = []
    for test in failing:
        related = [types.DiagnosticRelatedInformation(location=_test_location(snapshot, test),
                                                      message=f"test {test.id}")]
        out.append(types.Diagnostic(
            range=line_range(codec, lines, _failure_line(snapshot, test, top_blocks[0] if top_blocks else None)),
            message=f"{test.id} {test.outcome}: {test.message or 'no message'}",
            severity=types.DiagnosticSeverity.Error,
            source=SOURCE, code=test.id, related_information=related,
            data={"kind": "test", "test": test.id},
        ))
    trace_test = snapshot.trace_test()
    for rank, sb in enumerate(top_blocks):
        b = sb.block
        where = line_range(codec, lines, b.start_line, b.end_line)
        related = [types.DiagnosticRelatedInformation(location=_test_location(snapshot, t),
                                                      message=f"failing test {t.id}: {t.message}"[:200])
                   for t in failing[:3]]
        visits = snapshot.visits(b.id, trace_test)
        for v in (visits[:2] + visits[-1:] if len(visits) > 3 else visits):
            related.append(types.DiagnosticRelatedInformation(
                location=types.Location(uri=snapshot.uri, range=where), message=describe_visit(v)))
        verdict = f", verdict {sb.verdict}" if sb.verdict != "unknown" else ""
        out.append(types.Diagnostic(
            range=where,
            message=f"Suspicious block {b.id} (score {sb.suspiciousness:.2f}{verdict}): "
                    f"{sb.explanation or 'executed mostly by failing tests'}",
            severity=types.DiagnosticSeverity.Warning if rank == 0 else types.DiagnosticSeverity.Information,
            source=SOURCE, code=b.id, related_information=related[:MAX_RELATED],
            data={"kind": "block", "block": b.id, "score": round(sb.suspiciousness, 4)},
        ))
    return out
