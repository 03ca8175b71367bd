"""Scheduling debug runs: debounced, off the event loop, one at a time per document.

Rules (issue 6):
- a run executes ``engine.debug`` in a worker thread; the loop keeps answering hovers;
- a newer edit (or a newer run request) sets the older run's cancel event, and the new
  run starts only once the old one has stopped: one run per document at a time;
- a result is published only if the document still has the version the run started
  from; anything else is dropped as stale.

One engine pass per run publishes up to three times, each replacing the last: the traced
run's failures and suspects (the first diagnostics, before confirm re-runs the failures
untraced), the confirmed failures and suspects (before repair), and the final report
with its fixes.

The runner knows no server: it gets the document store, its settings and path lookups,
and callbacks for what it produces (``publish``, ``log``, the status and progress).
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Awaitable, Callable, Protocol

from tracefix.config import Settings
from tracefix.lsp.documents import Documents
from tracefix.lsp.state import DocState, Run, Snapshot
from tracefix.model import Report

log = logging.getLogger(__name__)
# How each run ended, as the test hooks report it.
PUBLISHED, CANCELLED, STALE, FAILED, NOT_A_FILE = "published", "cancelled", "stale", "failed", "not-a-file"


class Progress(Protocol):
    def update(self, message: str, percentage: int) -> None: ...
    def end(self, message: str) -> None: ...


class _NoProgress:
    def update(self, message: str, percentage: int) -> None:
        pass

    def end(self, message: str) -> None:
        pass


class Runner:
    def __init__(self, documents: Documents, *, settings: Callable[[str], Settings],
                 path_of: Callable[[str], str | None],
                 publish: Callable[[DocState, Run, Report, bool], Snapshot | None],
                 log: Callable[[str, bool], None],
                 status: Callable[[DocState], None] = lambda state: None,
                 progress: Callable[[Run, Callable[[], None]], Progress] = lambda run, on_cancel: _NoProgress()):
        self.documents = documents
        self.settings = settings
        self.path_of = path_of
        self.publish = publish
        self.log = log
        self.status = status
        self.progress = progress
        # Test hooks only (testhooks.py): awaited before each publish (uri, version, run number, final);
        # a cancelled run stops waiting.
        self.hold: Callable[[str, int, int, bool], Awaitable[None]] | None = None
        self.on_end: Callable[[str, int, int, str], None] = lambda uri, version, number, outcome: None
        self.stopping = False
        self._live: dict[int, _Live] = {}  # id(run) → what the loop side keeps for a run in flight
        self._numbered = 0
        # Two threads: runs of two documents may overlap; runs of one document never do.
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tracefix-run")

    # -- triggering --------------------------------------------------------------------------

    def schedule(self, uri: str, delay_s: float = 0.0) -> None:
        """Run after ``delay_s`` unless something newer comes first (the debounce)."""
        state = self.documents.state(uri)
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        if delay_s <= 0:
            self.start(uri)
            return
        state.timer = asyncio.get_running_loop().call_later(delay_s, self.start, uri)

    def start(self, uri: str, test: str | None = None, token: str | int | None = None) -> Run | None:
        """A new run of ``uri``; ``token`` is a client's workDoneToken for the request that asked."""
        state = self.documents.state(uri)
        state.timer = None
        doc = self.documents.current(uri)
        if doc is None:
            return None
        prev = state.run
        if prev is not None:
            self.cancel(prev, "a newer run was requested")
        run = Run(version=doc.version or 0, text=doc.source, test=test, token=token)
        self._numbered += 1
        self._live[id(run)] = _Live(self._numbered)
        run.task = asyncio.ensure_future(self._execute(state, run, prev))
        state.run = run
        return run

    def edited(self, uri: str) -> None:
        """The user changed the document: whatever is running now can only produce stale results."""
        state = self.documents.get(uri)
        if state and state.run is not None:
            self.cancel(state.run, "the document changed")

    def close(self, uri: str) -> None:
        state = self.documents.forget(uri)
        if state is None:
            return
        if state.timer is not None:
            state.timer.cancel()
        if state.run is not None:
            self.cancel(state.run, "the document was closed")

    def stop_all(self) -> None:
        for uri in self.documents:
            self.close(uri)
        self.stopping = True

    def cancel(self, run: Run, why: str) -> None:
        if not run.cancel.is_set():
            run.cancel.set()
            live = self._live.get(id(run))
            if live is not None:
                live.stopped.set()
            self.log(f"cancelling run of version {run.version}: {why}", False)

    # -- awaiting (requests that need a result) ----------------------------------------------

    async def result(self, run: Run) -> Snapshot | None:
        """Wait for ``run``; if the waiting request is cancelled ($/cancelRequest), cancel the run too."""
        try:
            return await asyncio.shield(run.task)
        except asyncio.CancelledError:
            self.cancel(run, "the request was cancelled")
            raise

    # -- executing ---------------------------------------------------------------------------

    async def _execute(self, state: DocState, run: Run, prev: Run | None) -> Snapshot | None:
        outcome = CANCELLED
        try:
            if prev is not None and prev.task is not None:
                await asyncio.wait([prev.task])  # one at a time: the old run stops at its next check
            if run.cancel.is_set():
                return None
            path = self.path_of(state.uri)
            if path is None:
                outcome = NOT_A_FILE
                self.log(f"not a file on disk, not debugging: {state.uri}", False)
                return None
            snapshot, outcome = await self._run(state, run, path)
            return snapshot
        finally:
            live = self._live.pop(id(run))
            if not self.stopping:
                self.on_end(state.uri, run.version, live.number, outcome)

    async def _run(self, state: DocState, run: Run, path: str) -> tuple[Snapshot | None, str]:
        loop = asyncio.get_running_loop()
        progress = self.progress(run, lambda: self.cancel(run, "cancelled from the progress bar"))
        self.status(state)
        in_order = asyncio.Lock()  # a run's publishes go out in the order the engine made them
        snapshot, outcome, report = None, CANCELLED, None
        t0 = time.perf_counter()

        def on_progress(msg: str, pct: int) -> None:
            loop.call_soon_threadsafe(progress.update, msg, pct)

        def on_early(report: Report) -> None:
            # Failing tests and suspects come before the fixes: publish them without waiting for repair.
            early = replace(report, tests=list(report.tests), blocks=list(report.blocks), suggestions=[])
            loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._publish(state, run, early, False,
                                                                                  in_order)))

        try:
            report = await loop.run_in_executor(self.pool, _debug, path, run, self.settings(state.uri),
                                                on_progress, on_early)
            if report is None or run.cancel.is_set():
                self.log(f"run of version {run.version} cancelled", False)
            elif not self._current(state, run):
                outcome = STALE
                self.log(f"dropping results for version {run.version}: the document moved on", False)
            else:
                snapshot = await self._publish(state, run, report, True, in_order)
                outcome = PUBLISHED if snapshot is not None else CANCELLED if run.cancel.is_set() else STALE
        except asyncio.CancelledError:  # the server is shutting down
            run.cancel.set()
            raise
        except Exception as exc:  # an engine bug must not kill the server; say it once, in the log
            log.exception("debug run failed")
            self.log(f"debug run failed: {type(exc).__name__}: {exc}", True)
            outcome = FAILED
        finally:
            if state.run is run:
                state.run = None
            if not self.stopping:
                progress.end("done" if snapshot is not None else "stopped")
                if self.documents.is_current(state):
                    self.status(state)
                self.log(f"run of version {run.version} took {(time.perf_counter() - t0) * 1000:.0f} ms "
                         f"({_stages(report)})", False)
        return snapshot, outcome

    async def _publish(self, state: DocState, run: Run, report: Report, final: bool,
                       in_order: asyncio.Lock) -> Snapshot | None:
        async with in_order:
            if self.hold is not None:
                await self._held(state, run, final)
            if run.cancel.is_set() or not self._current(state, run) or self.stopping:
                return None
            return self.publish(state, run, report, final)

    async def _held(self, state: DocState, run: Run, final: bool) -> None:
        """Wait until the test releases this version, or until the run is cancelled."""
        live = self._live[id(run)]
        waits = [asyncio.ensure_future(self.hold(state.uri, run.version, live.number, final)),
                 asyncio.ensure_future(live.stopped.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    def _current(self, state: DocState, run: Run) -> bool:
        doc = self.documents.current(state.uri)
        return doc is not None and doc.version == run.version and self.documents.is_current(state)


class _Live:
    """A run in flight, loop side: its number (for the test hooks) and an awaitable form of its cancel event."""

    def __init__(self, number: int):
        self.number = number
        self.stopped = asyncio.Event()


def _stages(report: Report | None) -> str:
    """The engine's stage timings, for the log: where a slow save spent its time."""
    if report is None or not report.timing_ms:
        return "no stage timings"
    return ", ".join(f"{k} {v:.0f}" for k, v in report.timing_ms.items() if k != "total")


def _debug(path: str, run: Run, settings: Settings, on_progress: Callable[[str, int], None],
           on_early: Callable[[Report], Any]) -> Report | None:
    """Worker-thread side of a run: the engine spawns the child processes that run user code."""
    from tracefix import engine

    request = engine.Request(path=path, text=run.text, test=None, settings=settings)
    try:
        return engine.debug(request, progress=on_progress, cancel=run.cancel, traced=on_early, partial=on_early)
    except engine.Cancelled:
        return None
