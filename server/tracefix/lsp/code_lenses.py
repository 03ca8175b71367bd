"""Code lenses: a file summary ("2 of 5 tests failing"), and "Debug with trace" above tests and functions."""
from __future__ import annotations

from lsprotocol import types

from tracefix.lsp.state import Snapshot
from tracefix.model import Function, is_test, matches_test


def _lens(line0: int, title: str, args: list) -> types.CodeLens:
    pos = types.Position(line=line0, character=0)
    return types.CodeLens(range=types.Range(start=pos, end=pos),
                          command=types.Command(title=title, command="tracefix.debugWithTrace", arguments=args))


def lenses(uri: str, functions: list[Function], snapshot: Snapshot | None) -> list[types.CodeLens]:
    """``snapshot`` is None when there is no result for the current text: then only the run lenses show."""
    out = []
    report = snapshot.report if snapshot else None
    if report is not None and report.tests:
        failing = [t for t in report.tests if t.failing]
        summary = (f"tracefix: {len(failing)} of {len(report.tests)} tests failing" if failing
                   else f"tracefix: all {len(report.tests)} tests pass")
        out.append(_lens(0, summary, [uri]))
    for fn in functions:
        line0 = max(fn.def_line - 1, 0)
        if is_test(fn.name):
            short = fn.name.rsplit(".", 1)[-1]
            mine = [t for t in (report.tests if report else []) if matches_test(t.id, short)]
            bad = [t for t in mine if t.failing]
            out.append(_lens(line0, "Debug with trace", [uri, bad[0].id if bad else short]))
            if bad:
                out.append(_lens(line0, f"✗ {len(bad)} failing: {bad[0].message[:60]}", [uri, bad[0].id]))
            continue
        out.append(_lens(line0, "Debug with trace", [uri]))
        if report is not None and report.run is not None:
            known = report.segmentation.blocks if report.segmentation else [sb.block for sb in report.blocks]
            blocks = {b.id for b in known if b.function == fn.name}
            reach = [t for t in report.tests if t.failing
                     and blocks & report.run.spectra.get(t.id, set())]
            if reach:
                out.append(_lens(line0, f"{len(reach)} failing test{'s' if len(reach) > 1 else ''} run this",
                                 [uri, reach[0].id]))
    return out
