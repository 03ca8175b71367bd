"""Report → diagnostics: one per bug, at the block where it most likely is.

A "bug" is the group of failing tests whose best lead in this document is the same
block: each failing test goes to the most suspicious block of code under test that it
ran (from the run's block spectra), and each such block gets one diagnostic with the
stable code ``suspect-block``. Its related information says where those tests are (in
whatever file they live), which lesser suspects they also ran, and the values the
block saw. Tests that ran no suspect block here (a test file, whose own code is never
the suspect) get one ``failing-test`` diagnostic per failing line of this document.
Messages are sentences for people: no block ids, no scores.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace import PositionCodec

from tracefix.lsp.positions import line_range
from tracefix.lsp.state import Snapshot
from tracefix.model import Report, ScoredBlock, TestResult, Visit, is_test_code

SOURCE = "tracefix"
CODE_BUG = "suspect-block"
CODE_TEST = "failing-test"
MAX_SUSPECTS = 3
MAX_RELATED = 6
_CODES_DOC = Path(__file__).with_name("codes.md")


def ranked(report: Report) -> list[ScoredBlock]:
    """Blocks of code under test with a positive score, best first (test code is never the suspect)."""
    return sorted((b for b in report.blocks if b.suspiciousness > 0 and not is_test_code(b.block.function)),
                  key=lambda b: (-b.suspiciousness, b.block.start_line))


def suspects(report: Report, limit: int = MAX_SUSPECTS) -> list[ScoredBlock]:
    """The blocks worth pointing at: within half of the top one's score, at most ``limit``."""
    best = ranked(report)
    if not best:
        return []
    floor = best[0].suspiciousness / 2
    return [b for b in best if b.suspiciousness >= floor][:limit]


def fmt_values(values: dict[str, str], limit: int = 80) -> str:
    text = ", ".join(f"{k}={v}" for k, v in values.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changed(visit: Visit) -> dict[str, str]:
    """Variables the block changed (all of ``after`` when nothing changed, so the hint is never empty)."""
    return visit.changes() or dict(visit.after)


def describe_visit(visit: Visit) -> str:
    moved = visit.changes()
    text = fmt_values(visit.before, 60) or "–"
    if moved:
        text += f" → {fmt_values(moved, 60)}"
    if visit.raised:
        text += f" (raised {visit.raised})"
    elif visit.returned is not None:
        text += f" (returned {visit.returned})"
    return text


def agrees(sentence: str, visit: Visit) -> bool:
    """Does a rationale that names values ("with score = 90", "Set `total` to 0") describe this visit?

    A block runs many times in one test; its one-sentence rationale is about one of those
    runs, and a view that shows it next to another run's values contradicts itself.
    """
    for name in set(visit.before) | set(visit.after):
        values = {v for v in (visit.before.get(name), visit.after.get(name)) if v is not None}
        # The short explanations quote traced values as `name = value` (a long one ends in "…").
        for m in re.finditer(rf"`{re.escape(name)} = ([^`]+)`", sentence):
            said = m.group(1)
            if not any(v == said or (said.endswith("…") and v.startswith(said[:-1])) for v in values):
                return False
        for pattern in (rf"(?<![\w.`]){re.escape(name)} = ", rf"`{re.escape(name)}` to "):
            for m in re.finditer(pattern, sentence):
                rest = sentence[m.end():]
                if not any(rest.startswith(v) for v in values):
                    return False
    m = re.match(r"Returned (.+?) in ", sentence)
    if m and visit.returned is not None and visit.returned != m.group(1):
        return False
    return True


def agreeing_visits(sentence: str, visits: list[Visit]) -> list[Visit]:
    return [v for v in visits if agrees(sentence, v)] if sentence else list(visits)


def short_test(test_id: str) -> str:
    """``tests/test_x.py::TestA::test_b[1]`` → ``test_b[1]`` (the id's last part, as test UIs label it)."""
    return test_id.rsplit("::", 1)[-1]


def file_of_test(snapshot: Snapshot, test: TestResult) -> str:
    """Test files come as absolute paths; older reports gave them relative to the document's folder."""
    file = test.file or snapshot.path
    if not os.path.isabs(file):
        file = os.path.join(snapshot.report.root or os.path.dirname(snapshot.path), file)
    return os.path.normpath(file)


def in_document(snapshot: Snapshot, test: TestResult) -> bool:
    return file_of_test(snapshot, test) == os.path.normpath(snapshot.path)


def defined_at(snapshot: Snapshot, test_id: str) -> int:
    """The ``def`` line of a test of this document, from the segmentation (1-based; 0 if unknown)."""
    seg = snapshot.report.segmentation
    name = test_id.split("[", 1)[0].split("::", 1)[-1].replace("::", ".")
    return next((f.def_line for f in (seg.functions if seg else []) if f.name == name), 0)


def location_of_test(snapshot: Snapshot, codec: PositionCodec, test: TestResult) -> types.Location:
    """The failing line when it is in this document, else the test's definition in its own file."""
    here = in_document(snapshot, test) and (test.line or test.test_line or defined_at(snapshot, test.id))
    if here:
        return types.Location(uri=snapshot.uri, range=line_range(codec, snapshot.lines, here))
    pos = types.Position(line=max(test.test_line - 1, 0), character=0)
    return types.Location(uri=from_fs_path(file_of_test(snapshot, test)) or snapshot.uri,
                          range=types.Range(start=pos, end=pos))


def _failure_text(test: TestResult) -> str:
    return f"{test.id} {test.outcome}" + (f": {test.message}" if test.message else "")


def _code_description() -> types.CodeDescription | None:
    # The codes are explained in a file shipped next to this module; without it, no link.
    return types.CodeDescription(href=_CODES_DOC.as_uri()) if _CODES_DOC.is_file() else None


@dataclass
class Bug:
    """Failing tests that share their best lead in this document."""

    block: ScoredBlock | None  # None: the tests ran no suspect block here
    tests: list[TestResult] = field(default_factory=list)


def bugs(report: Report) -> list[Bug]:
    """Each failing test → the best-ranked suspect block it ran; one Bug per block, best block first."""
    order = ranked(report)
    spectra = report.run.spectra if report.run else {}
    groups: dict[str | None, Bug] = {}
    for test in report.failing:
        ran = spectra.get(test.id)
        lead = next((b for b in order if ran is None or b.block.id in ran), None)
        key = lead.block.id if lead else None
        groups.setdefault(key, Bug(block=lead)).tests.append(test)
    rank = {b.block.id: i for i, b in enumerate(order)}
    return sorted(groups.values(), key=lambda g: rank.get(g.block.block.id, -1) if g.block else len(rank))


def bug_of(report: Report, test_ids: list[str]) -> Bug | None:
    """The bug a fix belongs to: the one whose failing tests it fixes."""
    wanted = set(test_ids)
    return next((b for b in bugs(report) if wanted & {t.id for t in b.tests}), None)


def _bug_message(bug: Bug) -> str:
    lead = bug.block
    assert lead is not None
    names = ", ".join(short_test(t.id) for t in bug.tests[:3]) + (" …" if len(bug.tests) > 3 else "")
    count = f"{len(bug.tests)} failing test{'s' if len(bug.tests) != 1 else ''}"
    # The same short sentence the CLI, the hover and the trace view show (tracefix.explain).
    head = lead.explanation or f"This block is run by {count}."
    return "\n".join([head, f"{count}: {names}"])


def _bug_diagnostic(snapshot: Snapshot, codec: PositionCodec, bug: Bug, others: list[ScoredBlock]) -> types.Diagnostic:
    lead = bug.block
    assert lead is not None
    b = lead.block
    lines = snapshot.lines
    where = line_range(codec, lines, b.start_line, b.end_line)
    related = [types.DiagnosticRelatedInformation(location=location_of_test(snapshot, codec, t),
                                                  message=_failure_text(t)[:200]) for t in bug.tests[:3]]
    ran = set().union(*(snapshot.report.run.spectra.get(t.id, set()) for t in bug.tests)) if snapshot.report.run else set()
    for other in [o for o in others if o.block.id in ran and o is not lead][:2]:
        o = other.block
        related.append(types.DiagnosticRelatedInformation(
            location=types.Location(uri=snapshot.uri, range=line_range(codec, lines, o.start_line, o.end_line)),
            message=f"also suspect: {o.function} line{'s' if o.end_line > o.start_line else ''} "
                    f"{o.start_line}{f'–{o.end_line}' if o.end_line > o.start_line else ''}"))
    test = snapshot.trace_test() if snapshot.trace_test() in {t.id for t in bug.tests} else bug.tests[0].id
    visits = agreeing_visits(lead.explanation, snapshot.visits(b.id, test)) or snapshot.visits(b.id, test)
    if visits:
        related.append(types.DiagnosticRelatedInformation(
            location=types.Location(uri=snapshot.uri, range=where),
            message=f"values in {short_test(test)}: {describe_visit(visits[-1])}"))
    return types.Diagnostic(
        range=where, message=_bug_message(bug), severity=types.DiagnosticSeverity.Error,
        source=SOURCE, code=CODE_BUG, code_description=_code_description(),
        related_information=related[:MAX_RELATED],
        data={"kind": "bug", "block": b.id, "tests": [t.id for t in bug.tests]},
    )


def _test_diagnostics(snapshot: Snapshot, codec: PositionCodec, tests: list[TestResult]) -> list[types.Diagnostic]:
    """Failing tests with no lead in this document: one diagnostic per failing line here."""
    by_line: dict[int, list[TestResult]] = {}
    for t in tests:
        line = (t.line or t.test_line) if in_document(snapshot, t) else 0
        by_line.setdefault(line, []).append(t)
    out = []
    for line, group in sorted(by_line.items()):
        if line:
            message = (_failure_text(group[0]) if len(group) == 1 else
                       f"{len(group)} tests fail here\n" + "\n".join(_failure_text(t) for t in group[:5]))
            severity = types.DiagnosticSeverity.Error
        else:  # tests elsewhere failed without running any block of this document
            message = (f"{len(group)} failing test{'s' if len(group) != 1 else ''} import this module but ran none "
                       f"of its code: " + ", ".join(short_test(t.id) for t in group[:3]))
            severity = types.DiagnosticSeverity.Information
        related = [types.DiagnosticRelatedInformation(location=location_of_test(snapshot, codec, t),
                                                      message=_failure_text(t)[:200]) for t in group[:MAX_RELATED]]
        out.append(types.Diagnostic(
            range=line_range(codec, snapshot.lines, line or 1), message=message, severity=severity,
            source=SOURCE, code=CODE_TEST, code_description=_code_description(), related_information=related,
            data={"kind": "test", "tests": [t.id for t in group]},
        ))
    return out


def build(snapshot: Snapshot, codec: PositionCodec) -> list[types.Diagnostic]:
    if not snapshot.failing():
        return []
    found = bugs(snapshot.report)
    others = suspects(snapshot.report)
    out = [_bug_diagnostic(snapshot, codec, bug, others) for bug in found if bug.block is not None]
    loose = [t for bug in found if bug.block is None for t in bug.tests]
    return out + (_test_diagnostics(snapshot, codec, loose) if loose else [])
