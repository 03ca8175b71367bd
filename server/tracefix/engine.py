"""One debug run of one document: segment → discover → run+trace → localize → repair → validate → decide.

The CLI, the language server and the end-to-end benchmarks debug through this function
alone; benchmarks that vary or time one stage (bench/llm.py, bench/overhead.py) call the
stages themselves.
It knows no editor and no terminal: progress goes through a callback, cancellation
through an Event.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable

from tracefix.config import Settings
from tracefix.model import Report

Progress = Callable[[str, int], None]  # (stage message, percent)
# Larger documents are generated data, not code someone debugs; parsing them would stall the server.
MAX_DOCUMENT_CHARS = 2_000_000


class Cancelled(Exception):
    """Raised when the caller's cancel event is set between stages."""


@dataclass
class Request:
    path: str  # the document's path on disk (its project holds the tests)
    text: str | None = None  # the editor buffer; None → read the file
    test: str | None = None  # debug only this test id
    settings: Settings = Settings()


class _Clock:
    """Stage timings for the report; each lap also checks whether the caller cancelled."""

    def __init__(self, report_timing: dict[str, float]):
        self.timing = report_timing
        self.t0 = self.last = time.perf_counter()

    def lap(self, stage: str, cancel: threading.Event | None = None) -> None:
        now = time.perf_counter()
        self.timing[stage] = self.timing.get(stage, 0.0) + (now - self.last) * 1000
        self.last = now
        if cancel is not None and cancel.is_set():
            raise Cancelled()


class _Stop(Exception):
    """A stage ended the run early; the report already says why."""


def debug(request: Request, progress: Progress | None = None,
          cancel: threading.Event | None = None,
          partial: Callable[[Report], None] | None = None,
          traced: Callable[[Report], None] | None = None) -> Report:
    """Run the pipeline; ``partial`` receives the report once tests and ranked blocks are final (before repair);
    ``traced`` receives the traced run's failures and suspects earlier still, before confirm re-runs them."""
    progress = progress or (lambda _msg, _pct: None)
    cancel = cancel or threading.Event()
    text = request.text if request.text is not None else read_source(request.path)
    report = Report(file=request.path, python="", tests=[], blocks=[], suggestions=[])
    clock = _Clock(report.timing_ms)
    try:
        proj, python, seg = _prepare(request, text, report, clock)
        progress("finding the tests", 5)
        tests = _select_tests(request, proj, python, text, report, cancel)
        clock.lap("discover", cancel)
        progress("running tests", 10)
        run = _run_and_confirm(request, proj, python, text, seg, tests, report, clock, cancel, progress, traced)
        _localize_and_repair(request, python, text, seg, tests, run, report, clock, cancel, progress, partial)
    except _Stop:
        pass
    return _finish(report, clock)


def _prepare(request: Request, text: str, report: Report, clock: "_Clock"):
    """The project, its interpreter and the document's blocks; stops on what no run could get past."""
    from tracefix import project as project_mod
    from tracefix import segment
    from tracefix.sandbox import resolve_python

    if len(text) > MAX_DOCUMENT_CHARS:
        report.error = (f"the file is too large to debug ({len(text) / 1e6:.1f} MB; the limit is "
                        f"{MAX_DOCUMENT_CHARS / 1e6:.0f} MB)")
        raise _Stop()
    proj = project_mod.find(request.path, request.settings.python)
    report.root = proj.root
    python, version, problem = resolve_python(proj.python)
    report.python = version
    if problem:
        report.error = problem
        raise _Stop()
    seg = segment.segment(text)
    report.segmentation = seg
    for start, end, msg in seg.errors:
        report.messages.append(f"lines {start}-{end} could not be parsed: {msg}")
    clock.lap("segment")
    report.error = syntax_error(text, seg)
    if report.error:
        raise _Stop()
    return proj, python, seg


def _select_tests(request: Request, proj, python: str, text: str, report: Report, cancel: threading.Event) -> list:
    """The tests that can reach the document (or the one asked for); stops with a message when there are none."""
    from tracefix import discover

    selection = discover.for_document(proj, python, request.path, text, request.settings, cancel)
    report.messages += selection.notes
    report.collection_errors = selection.errors
    tests = selection.tests
    if request.test:
        tests, why = discover.match(request.test, tests, selection.collected, proj, os.getcwd(), request.path)
        if not tests:
            report.error = why or f"no test matches '{request.test}' (looked in {selection.looked})"
            raise _Stop()
    if not tests and selection.problem:
        report.error = selection.problem  # not "no tests": tracefix could not look
        raise _Stop()
    if not tests:
        report.no_tests = True
        report.error = (f"no tests found for {proj.relative(request.path)}: looked in {selection.looked} "
                        f"({len(selection.collected)} collected, none reaches this module); point tracefix at them "
                        f"with --tests GLOB or the testPaths setting")
        raise _Stop()
    return tests


def _run_and_confirm(request: Request, proj, python: str, text: str, seg, tests: list, report: Report,
                     clock: "_Clock", cancel: threading.Event, progress: Progress,
                     traced: Callable[[Report], None] | None):
    """The traced run, then an untraced re-run of its failures; stops when none reproduces."""
    from tracefix import childrun, confirm, decide, explain, localize, retrace

    settings = request.settings
    run = childrun.run_tests(request.path, text, seg, tests, settings, python=python, cancel=cancel, project=proj)
    report.run = run
    report.tests = run.tests
    if run.error:
        report.error = run.error
    clock.lap("run", cancel)
    _remember(proj, run)
    if traced is not None and report.failing:  # a preview for editors; the confirmed report replaces it
        preview = replace(report, blocks=[b for b in localize.localize(seg, run, text) if b.suspiciousness > 0])
        traced(explain.for_people(preview, text))  # the same short sentences as every later publish

    # Only failures that reproduce untraced are localized and repaired; validation compares untraced runs.
    confirmed = confirm.confirm(request.path, text, seg, tests, run, settings, python=python, cancel=cancel,
                                project=proj, progress=progress)
    report.tests = confirmed.tests
    report.messages += confirmed.notes
    if not confirmed.reproduced:
        report.run = confirmed.baseline
        clock.lap("confirm", cancel)
        decide.decide(report, settings)  # abstains, and says there is no failing test to check a fix against
        raise _Stop()
    report.run = retrace.deepen(request.path, text, seg, tests, confirmed.baseline, settings, python=python,
                                cancel=cancel, project=proj, progress=progress)
    clock.lap("confirm", cancel)
    return report.run


def _localize_and_repair(request: Request, python: str, text: str, seg, tests: list, run, report: Report,
                         clock: "_Clock", cancel: threading.Event, progress: Progress,
                         partial: Callable[[Report], None] | None) -> None:
    """Rank the blocks, search and validate fixes (offline, then the LLM if enabled), decide and explain."""
    from tracefix import decide, explain, localize, repair

    settings = request.settings
    progress("localizing", 40)
    # A block no failing test reached is not a lead worth showing.
    report.blocks = [b for b in localize.localize(seg, run, text) if b.suspiciousness > 0]
    clock.lap("localize", cancel)
    if partial is not None:  # editors show failing tests and suspects while the fix search runs
        partial(explain.for_people(report, text))  # (a copy: repair re-ranks from the long rationale)
    if settings.repair:
        progress("repairing", 55)
        repaired = repair.repair_and_rank(request.path, text, seg, tests, run, report.blocks, settings,
                                          python=python, cancel=cancel,
                                          progress=lambda msg, pct: progress(msg, 55 + pct * 40 // 100))
        # The candidates' runs re-rank the blocks; the block a fix edits is shown as the top suspect.
        report.suggestions, report.blocks = repaired.suggestions, repaired.blocks
        clock.lap("repair", cancel)
    if settings.llm.enabled:
        _assist_with_llm(request.path, text, seg, tests, run, report, settings, python, cancel, progress)
        clock.lap("llm", cancel)
    decide.decide(report, settings)
    explain.finish(report, text)  # short sentences for people; ranks and counts move to details


def _assist_with_llm(path, text, seg, tests, run, report: Report, settings: Settings, python: str,
                     cancel: threading.Event, progress: Progress) -> None:
    """LDB verdicts and LLM fixes join the offline results; problems become one-line messages."""
    from tracefix import llm

    progress("asking the LLM", 80)
    # The offline fixes go along: one that already passes every test means no fix is asked of the model.
    result = llm.assist(path, text, seg, tests, run, report.blocks, settings, python=python, cancel=cancel,
                        progress=lambda msg, pct: progress(msg, 80 + pct * 15 // 100), offline=report.suggestions)
    llm.join(report, result)


def _remember(proj, run) -> None:
    """Outcomes (for failing-first order) and, for passing tests, the files they executed (the coverage map)."""
    from tracefix import projectcache

    outcomes = {t.id: t.outcome for t in run.tests}
    files = {tid: f for tid, f in run.files.items() if outcomes.get(tid) == "passed" and f}
    try:
        projectcache.record_run(proj, outcomes, files)
    except OSError:
        pass  # a read-only cache folder only makes later runs slower


def _finish(report: Report, clock: _Clock) -> Report:
    report.timing_ms["total"] = (time.perf_counter() - clock.t0) * 1000
    return report


def syntax_error(text: str, seg) -> str:
    """One line when the document cannot run at all; "" otherwise.

    Both parsers must object: tree-sitter alone accepts some invalid code, and this
    interpreter's ``compile`` alone rejects syntax newer than itself that the user's
    interpreter may accept. Compiling runs none of the user's code.
    """
    if not seg.errors:
        return ""
    try:
        compile(text, "<document>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"syntax error at line {exc.lineno}: {exc.msg}; fix it to debug this file"
    except ValueError as exc:  # null bytes
        return f"the file cannot be compiled: {exc}"
    return ""


def read_source(path: str) -> str:
    """Read a document as Python would (PEP 263 coding cookie, BOM), replacing undecodable bytes."""
    import io
    import tokenize

    with open(path, "rb") as f:
        data = f.read()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # an unknown codec in the cookie
        encoding = "utf-8"
    return data.decode(encoding, errors="replace").lstrip("\ufeff")
