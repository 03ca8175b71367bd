"""Per-document state of the server: the last published report and the run in flight.

A ``Snapshot`` ties a report to the exact document version and text it was computed
from. Everything the server shows (diagnostics, quick fixes, hints, hovers) is derived
from a snapshot, and is only shown while the document still has that text: that is
how a fix computed for version N is refused at version N+1.
"""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from tracefix.model import Report, Suggestion, TestResult, Visit, matches_test


@dataclass
class Snapshot:
    uri: str
    path: str
    version: int
    text: str
    report: Report
    selected_test: str | None = None  # the failing test whose trace hints and hovers show

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines() or [""]

    def failing(self) -> list[TestResult]:
        return [t for t in self.report.tests if t.failing]

    def trace_test(self) -> str | None:
        """The test whose values are displayed: the user's pick, else the first failing one with a trace."""
        traces = self.report.run.traces if self.report.run else {}
        if self.selected_test and self.selected_test in traces:
            return self.selected_test
        for t in self.failing():
            if t.id in traces:
                return t.id
        return self.selected_test or (self.failing()[0].id if self.failing() else None)

    def visits(self, block_id: str, test_id: str | None) -> list[Visit]:
        if not self.report.run or test_id is None:
            return []
        return [v for bid, v in self.report.run.traces.get(test_id, []) if bid == block_id]

    def suggestion(self, sid: str) -> Suggestion | None:
        return next((s for s in self.report.suggestions if s.id == sid), None)


@dataclass
class Run:
    version: int
    text: str
    test: str | None  # the test the user asked to trace (display only; all tests still run)
    token: str | int | None = None  # the workDoneToken of the request that started it, if any
    cancel: threading.Event = field(default_factory=threading.Event)
    task: asyncio.Task | None = None


@dataclass
class DocState:
    uri: str
    snapshot: Snapshot | None = None
    last_report: Report | None = None  # the latest result, also one that did not replace ``snapshot`` (syntax)
    run: Run | None = None
    timer: asyncio.TimerHandle | None = None
    configured: asyncio.Event | None = None  # set once the client answered for this document's scope
    selected_test: str | None = None
    show_all: bool = False  # "Show all suggestions": hidden validated fixes become quick fixes too
    # Shown suggestions the user has neither accepted nor rejected yet: id → features.
    undecided: dict[str, dict] = field(default_factory=dict)
    # Keys of fixes already recorded as ignored: the same fix re-shown on every save while
    # someone keeps typing is one ignore, not one per save (or it would silence tracefix).
    ignored_keys: set[str] = field(default_factory=set)
    # Every suggestion id handed out for this document → its features, so that an accept
    # arriving after the report was replaced is still recorded.
    handed_out: dict[str, dict] = field(default_factory=dict)


def pick_test(report: Report, wanted: str | None) -> str | None:
    """Resolve a user-supplied test id/name against a report, failing tests first."""
    if not wanted:
        return None
    found = [t for t in report.tests if matches_test(t.id, wanted)]
    found.sort(key=lambda t: not t.failing)
    return found[0].id if found else None
