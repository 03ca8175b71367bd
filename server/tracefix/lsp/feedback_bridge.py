"""Accept / reject / ignore events → the local feedback store (``tracefix.feedback``).

The store is opened on first use, so the server starts, and says why in one line, even
where the store cannot be opened. The lazy import is no shield by itself: ``decide`` imports
``tracefix.feedback`` eagerly, so every debug run has imported it by the time a user can
accept or reject. Calls do file I/O: run them off the event loop.
"""
from __future__ import annotations

from typing import Any


class FeedbackUnavailable(Exception):
    pass


class Feedback:
    def __init__(self) -> None:
        self._store = None

    def _get(self):
        if self._store is None:
            try:
                from tracefix.feedback import FeedbackStore
            except ImportError as exc:
                raise FeedbackUnavailable(f"feedback store unavailable: {exc}") from exc
            self._store = FeedbackStore()
        return self._store

    def record(self, features: dict[str, Any], event: str) -> None:
        try:
            self._get().record(features, event)
        except FeedbackUnavailable:
            raise
        except Exception as exc:  # a broken store must not take the server down
            raise FeedbackUnavailable(f"could not record feedback: {exc}") from exc

    def reset(self) -> None:
        try:
            self._get().reset()
        except FeedbackUnavailable:
            raise
        except Exception as exc:
            raise FeedbackUnavailable(f"could not reset feedback: {exc}") from exc
