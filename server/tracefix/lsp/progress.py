"""Work-done progress for debug runs, shown only when a run outlasts ``DELAY``.

Quick runs finish before the progress bar would appear, so they never flash one.
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
    def __init__(self, server, title: str, enabled: bool, on_cancel: Callable[[], None]):
        self.server = server
        self.title = title
        self.on_cancel = on_cancel
        self.message = "starting"
        self.percentage = 0
        self.token: str | None = None
        self.ended = False
        self._creating = False
        self._task = asyncio.ensure_future(self._show_later()) if enabled else None

    def update(self, message: str, percentage: int) -> None:
        # Percentages must never go back, even when a later stage restarts its own count.
        self.message, self.percentage = message, max(self.percentage, min(int(percentage), 100))
        if self.token and not self.ended:
            self.server.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=self.message, percentage=self.percentage))

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
        self.server.work_done_progress.begin(token, types.WorkDoneProgressBegin(
            title=self.title, message=self.message, percentage=self.percentage, cancellable=True))
        fut = self.server.work_done_progress.tokens.get(token)
        if fut is not None:
            fut.add_done_callback(lambda f: self.on_cancel() if f.cancelled() else None)

    def end(self, message: str) -> None:
        if self.ended:
            return
        self.ended = True
        if self._task is not None and not self._creating:
            self._task.cancel()
        if self.token:
            self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.server.work_done_progress.tokens.pop(self.token, None)
