"""Scheduling debug runs: debounced, off the event loop, one at a time per document.

Rules (issue 6):
- a run executes ``engine.debug`` in a worker thread; the loop keeps answering hovers;
- a newer edit (or a newer run request) sets the older run's cancel event, and the new
  run starts only once the old one has stopped: one run per document at a time;
- a result is published only if the document still has the version the run started
  from; anything else is dropped as stale.

A run is one engine pass. When its tests and localization are done, before repair, the
engine hands back a partial report (``on_partial``), published at once: diagnostics do
not wait for the quick fixes, which come with the final report.
"""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from tracefix.lsp.progress import RunProgress
from tracefix.lsp.state import DocState, Run
from tracefix.model import Report

if TYPE_CHECKING:
    from tracefix.lsp.server import TracefixServer

log = logging.getLogger(__name__)


class Runner:
    def __init__(self, server: "TracefixServer"):
        self.server = server
        self.docs: dict[str, DocState] = {}
        # Two threads: runs of two documents may overlap; runs of one document never do.
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tracefix-run")
        self.runs_started = 0

    def doc(self, uri: str) -> DocState:
        return self.docs.setdefault(uri, DocState(uri=uri))

    # -- triggering --------------------------------------------------------------------------

    def schedule(self, uri: str, delay_s: float = 0.0) -> None:
        """Run after ``delay_s`` unless something newer comes first (the debounce)."""
        state = self.doc(uri)
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        if delay_s <= 0:
            self.start(uri)
            return
        state.timer = asyncio.get_running_loop().call_later(delay_s, self.start, uri)

    def start(self, uri: str, test: str | None = None, token: str | int | None = None) -> Run | None:
        """A new run of ``uri``; ``token`` is a client's workDoneToken for the request that asked."""
        state = self.doc(uri)
        state.timer = None
        doc = self.server.document(uri)
        if doc is None:
            return None
        prev = state.run
        if prev is not None:
            self._cancel(prev, "a newer run was requested")
        run = Run(version=doc.version or 0, text=doc.source, test=test, token=token)
        run.task = asyncio.ensure_future(self._execute(state, run, prev))
        state.run = run
        self.runs_started += 1
        return run

    def edited(self, uri: str) -> None:
        """The user changed the document: whatever is running now can only produce stale results."""
        state = self.docs.get(uri)
        if state and state.run is not None:
            self._cancel(state.run, "the document changed")

    def close(self, uri: str) -> None:
        state = self.docs.pop(uri, None)
        if state is None:
            return
        if state.timer is not None:
            state.timer.cancel()
        if state.run is not None:
            self._cancel(state.run, "the document was closed")

    def stop_all(self) -> None:
        for uri in list(self.docs):
            self.close(uri)

    def _cancel(self, run: Run, why: str) -> None:
        if not run.cancel.is_set():
            run.cancel.set()
            self.server.log(f"cancelling run of version {run.version}: {why}")

    # -- awaiting (requests that need a result) ----------------------------------------------

    async def result(self, run: Run):
        """Wait for ``run``; if the waiting request is cancelled ($/cancelRequest), cancel the run too."""
        try:
            return await asyncio.shield(run.task)
        except asyncio.CancelledError:
            self._cancel(run, "the request was cancelled")
            raise

    # -- executing ---------------------------------------------------------------------------

    async def _execute(self, state: DocState, run: Run, prev: Run | None):
        if prev is not None and prev.task is not None:
            await asyncio.wait([prev.task])  # one at a time: the old run stops at its next check
        if run.cancel.is_set():
            return None
        settings = self.server.config.for_uri(state.uri).engine
        path = self.server.path_of(state.uri)
        if path is None:
            self.server.log(f"not a file on disk, not debugging: {state.uri}")
            return None
        loop = asyncio.get_running_loop()
        progress = RunProgress(self.server, "tracefix", self.server.wants_progress(),
                               on_cancel=lambda: self._cancel(run, "cancelled from the progress bar"),
                               token=run.token)
        self.server.send_status(state)
        snapshot = None
        t0 = time.perf_counter()
        def on_progress(msg: str, pct: int) -> None:
            loop.call_soon_threadsafe(progress.update, msg, pct)

        def on_partial(report: Report) -> None:
            # Failing tests and suspects are final before repair: publish them without waiting for fixes.
            early = replace(report, tests=list(report.tests), blocks=list(report.blocks), suggestions=[])
            loop.call_soon_threadsafe(self._publish_early, state, run, early)

        try:
            report = await loop.run_in_executor(self.pool, _debug, path, run, settings, on_progress, on_partial)
            if report is None or run.cancel.is_set():
                self.server.log(f"run of version {run.version} cancelled")
                return None
            if not self._current(state, run):
                self.server.log(f"dropping results for version {run.version}: the document moved on")
                return None
            snapshot = self.server.publish(state, run, report, final=True)
        except asyncio.CancelledError:  # the server is shutting down
            run.cancel.set()
            raise
        except Exception as exc:  # an engine bug must not kill the server; say it once, in the log
            log.exception("debug run failed")
            self.server.log(f"debug run failed: {type(exc).__name__}: {exc}", error=True)
            return None
        finally:
            if state.run is run:
                state.run = None
            if self.server.stopping:
                return None
            progress.end("done" if snapshot is not None else "stopped")
            if self.docs.get(state.uri) is state:
                self.server.send_status(state)
            self.server.log(f"run of version {run.version} took {(time.perf_counter() - t0) * 1000:.0f} ms")
        return snapshot

    def _publish_early(self, state: DocState, run: Run, report: Report) -> None:
        if not run.cancel.is_set() and self._current(state, run) and not self.server.stopping:
            self.server.publish(state, run, report, final=False)

    def _current(self, state: DocState, run: Run) -> bool:
        doc = self.server.document(state.uri)
        return doc is not None and doc.version == run.version and self.docs.get(state.uri) is state


def _debug(path: str, run: Run, settings, on_progress: Callable[[str, int], None],
           on_partial: Callable[[Report], None]) -> Report | None:
    """Worker-thread side of a run: the engine spawns the child processes that run user code."""
    from tracefix import engine

    request = engine.Request(path=path, text=run.text, test=None, settings=settings)
    try:
        return engine.debug(request, progress=on_progress, cancel=run.cancel, partial=on_partial)
    except engine.Cancelled:
        return None
