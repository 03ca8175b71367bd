"""Test-only hooks, so that tests of the language server never race a sleep against a run.

Off unless the client's initializationOptions carry ``{"tracefixTestHooks": {"holdRuns": true}}``
(no editor sends it; the settings section ``tracefix`` is separate). When on:

- every publish of a run's results waits until the test releases that document version
  with the ``tracefix/test/release`` request ``{uri, version}`` (a cancelled run stops
  waiting at once and publishes nothing), and the server says ``held`` when it waits;
- the server sends ``tracefix/testEvent`` notifications: ``held {uri, version, final}``,
  ``ended {uri, version, outcome}`` when a run is over (published, cancelled, stale, failed,
  not-a-file) and ``opened {uri, scheduled}`` once an opened document is set up.

A test can then hold version 1 in flight, edit, and see exactly which runs were
cancelled and what was published, whatever the speed of the machine.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

OPTION = "tracefixTestHooks"
EVENT = "tracefix/testEvent"
RELEASE = "tracefix/test/release"


def wanted(initialization_options: Any) -> bool:
    hooks = initialization_options.get(OPTION) if isinstance(initialization_options, dict) else None
    return isinstance(hooks, dict) and hooks.get("holdRuns") is True


class Holds:
    """Versions released by the test; a publish of any other version waits."""

    def __init__(self, notify: Callable[[dict], None]):
        self.notify = notify
        self._released: set[tuple[str, int]] = set()
        self._events: dict[tuple[str, int], asyncio.Event] = {}

    async def wait(self, uri: str, version: int, final: bool) -> None:
        key = (uri, version)
        if key in self._released:
            return
        event = self._events.setdefault(key, asyncio.Event())
        self.notify({"event": "held", "uri": uri, "version": version, "final": final})
        await event.wait()

    def release(self, uri: str, version: int) -> None:
        key = (uri, version)
        self._released.add(key)
        self._events.pop(key, asyncio.Event()).set()
