"""Test-only hooks, so that tests of the language server never race a sleep against a run.

Off unless the client's initializationOptions carry ``{"tracefixTestHooks": {...}}`` (no editor
sends it; the settings section ``tracefix`` is separate):

- ``"events": true``: the server sends ``tracefix/testEvent`` notifications: ``ended {uri,
  version, run, outcome}`` when a run is over (published, cancelled, stale, failed,
  not-a-file) and ``opened {uri, scheduled}`` once an opened document is set up;
- ``"holdRuns": true`` as well: every publish of a run's results first waits until the test
  releases that run with the ``tracefix/test/release`` request ``{run}``, and the server says
  ``held {uri, version, run, final}`` when it waits; a cancelled run stops waiting at once and
  publishes nothing.

A test can then hold version 1's run in flight, edit, and see exactly which runs were
cancelled and what was published, whatever the speed of the machine.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

OPTION = "tracefixTestHooks"
EVENT = "tracefix/testEvent"
RELEASE = "tracefix/test/release"


def wanted(initialization_options: Any) -> dict[str, bool]:
    """The hooks the client asked for: ``events`` and ``holdRuns``."""
    hooks = initialization_options.get(OPTION) if isinstance(initialization_options, dict) else None
    hooks = hooks if isinstance(hooks, dict) else {}
    return {name: hooks.get(name) is True for name in ("events", "holdRuns")}


class Holds:
    """Runs released by the test; a publish of any other run waits."""

    def __init__(self, notify: Callable[[dict], None]):
        self.notify = notify
        self._released: set[int] = set()
        self._events: dict[int, asyncio.Event] = {}

    async def wait(self, uri: str, version: int, run: int, final: bool) -> None:
        if run in self._released:
            return
        event = self._events.setdefault(run, asyncio.Event())
        self.notify({"event": "held", "uri": uri, "version": version, "run": run, "final": final})
        await event.wait()

    def release(self, run: int) -> None:
        self._released.add(run)
        self._events.pop(run, asyncio.Event()).set()
