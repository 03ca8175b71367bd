"""What a client with its own UI for runs is told per document: the ``tracefix/status`` notification.

Sent only to clients that ask for it in ``initialize`` (``capabilities.experimental.
tracefixStatus``): other editors never see a method they do not know. It carries what a
status item and a test explorer need without scraping diagnostics or asking code-action
providers: whether a run is going, counts, the one problem that stops debugging (a syntax
error, no tests, an interpreter that does not work), and the tests with their outcomes,
locations and, for a failed ``==`` assertion, the expected and actual values.
"""
from __future__ import annotations

from typing import Any

from pygls.uris import from_fs_path

from tracefix.lsp.diagnostics import defined_at, file_of_test, in_document
from tracefix.lsp.state import DocState, Snapshot
from tracefix.model import Report, TestResult

STATUS_NOTIFICATION = "tracefix/status"
CAPABILITY = "tracefixStatus"


def syntax_problem(report: Report) -> bool:
    """The engine stopped before running anything because the text does not parse."""
    return bool(report.error) and report.run is None and bool(report.segmentation and report.segmentation.errors)


def problem(report: Report) -> dict[str, str] | None:
    if syntax_problem(report):
        return {"kind": "syntax", "message": report.error}
    if report.no_tests:
        return {"kind": "noTests", "message": report.error}
    if report.error:
        return {"kind": "error", "message": report.error}
    if report.collection_errors:
        first = report.collection_errors[0]
        return {"kind": "collection", "message": f"{len(report.collection_errors)} test file(s) could not be "
                                                 f"imported; first: {first.get('file', '?')}: {first.get('message', '')}"}
    return None


def describe_test(snapshot: Snapshot, test: TestResult) -> dict[str, Any]:
    """A test as a test explorer wants it: where it is, where it failed (0-based lines), what differed."""
    file = file_of_test(snapshot, test)
    line = test.test_line or (defined_at(snapshot, test.id) if in_document(snapshot, test) else 0)
    out: dict[str, Any] = {
        "id": test.id, "outcome": test.outcome, "message": test.message,
        "uri": from_fs_path(file) or snapshot.uri, "defLine": max(line - 1, 0),
        "durationMs": round(test.duration_ms, 2),
    }
    if test.line:  # the failing line is in the debugged document (the assert, or where it raised)
        out["failUri"], out["failLine"] = snapshot.uri, test.line - 1
    elif in_document(snapshot, test) and test.test_line:
        out["failUri"], out["failLine"] = snapshot.uri, test.test_line - 1
    cmp = test.comparison or {}
    if cmp.get("op") == "==" and "left" in cmp and "right" in cmp:
        # pytest's convention: ``assert actual == expected``.
        out["actual"], out["expected"] = cmp["left"], cmp["right"]
    return out


def payload(state: DocState, version: int | None) -> dict[str, Any]:
    """The document's status now: its last results (kept while the text does not parse) and the latest problem."""
    out: dict[str, Any] = {"uri": state.uri, "version": version, "running": state.run is not None,
                           "problem": problem(state.last_report) if state.last_report else None}
    snap = state.snapshot
    if snap is not None:
        out.update(failing=len(snap.report.failing), total=len(snap.report.tests),
                   fixes=sum(1 for s in snap.report.suggestions if s.shown), root=snap.report.root,
                   resultVersion=snap.version, tests=[describe_test(snap, t) for t in snap.report.tests])
    return out
