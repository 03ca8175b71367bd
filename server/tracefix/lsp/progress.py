"""Work-done progress for debug runs: at most one indicator per run.

- A run a request started with a ``workDoneToken`` reports on that token: the client
  already shows its own (cancellable) indicator for the request, and that is the one.
- Other runs create a server-side token, cancellable, but only when the run outlasts
  ``DELAY`` (quick runs never flash a bar), and only for clients that have no status
  display of their own for runs (see ``TracefixServer.wants_progress``).

All methods run on the event loop; the engine's progress callback (called from a
worker thread) is marshalled here by the runner.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Callable

from lsprotocol import types

DELAY = 0.3
log = logging.getLogger(__name__)


class RunProgress:
    def __init__(self, server, title: str, enabled: bool, on_cancel: Callable[[], None],
                 token: str | int | None = None):
        self.server = server
        self.title = title
        self.on_cancel = on_cancel
        self.message = "starting"
        self.percentage = 0
        self.token: str | int | None = None
        self.ended = False
        self._creating = False
        self._task = None
        if token is not None:  # the client's token: no create request, begin at once
            self.token = token
            self._begin(cancellable=False)  # the request itself is what the client cancels
        elif enabled:
            self._task = asyncio.ensure_future(self._show_later())

    def update(self, message: str, percentage: int) -> None:
        # Percentages must never go back, even when a later stage restarts its own count.
        self.message, self.percentage = message, max(self.percentage, min(int(percentage), 100))
        if self.token is not None and not self.ended:
            self.server.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=self.message, percentage=self.percentage))

    def _begin(self, cancellable: bool) -> None:
        self.server.work_done_progress.begin(self.token, types.WorkDoneProgressBegin(
            title=self.title, message=self.message, percentage=self.percentage, cancellable=cancellable))

    async def _show_later(self) -> None:
        await asyncio.sleep(DELAY)
        token = f"tracefix-{uuid.uuid4()}"
        # From here on the task must not be cancelled: the client's reply to the create
        # request would otherwise land on a cancelled future.
        self._creating = True
        try:
            await self.server.work_done_progress.create_async(token)
        except Exception as exc:  # the client refused; running without a progress bar is fine
            log.info("work done progress refused: %s", exc)
            return
        if self.ended:
            return
        self.token = token
        self._begin(cancellable=True)
        fut = self.server.work_done_progress.tokens.get(token)
        if fut is not None:
            fut.add_done_callback(lambda f: self.on_cancel() if f.cancelled() else None)

    def end(self, message: str) -> None:
        if self.ended:
            return
        self.ended = True
        if self._task is not None and not self._creating:
            self._task.cancel()
        if self.token is not None:
            self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.server.work_done_progress.tokens.pop(self.token, None)
