"""Local store of what the user did with suggestions (accept / reject / ignore).

The decide stage learns from these events (DESIGN.md §1 step 7). They stay on this
machine: a single SQLite file in the user's data directory, nothing is ever sent.

One SQLite connection per operation plus a process-wide lock per file keeps the
store safe when the language server's worker threads and a CLI run touch it at the
same time; SQLite's own locking (with a busy timeout) covers other processes.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from typing import Any, Iterator

EVENTS = ("accept", "reject", "ignore")
FILENAME = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    event TEXT NOT NULL,
    operator TEXT NOT NULL,
    key TEXT NOT NULL,
    features TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_operator ON events(operator);
CREATE INDEX IF NOT EXISTS events_key ON events(key);
"""

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def default_path() -> str:
    """``$TRACEFIX_DATA_DIR/feedback.sqlite3``, else the platform's user data dir."""
    folder = os.environ.get("TRACEFIX_DATA_DIR")
    if not folder:
        import platformdirs

        folder = platformdirs.user_data_dir("tracefix", appauthor=False)
    return os.path.join(folder, FILENAME)


class FeedbackError(Exception):
    """The store cannot be read or written (bad path, corrupt file); message is one line."""


class FeedbackStore:
    def __init__(self, path: str | None = None):
        path = path or default_path()
        if os.path.isdir(path):
            path = os.path.join(path, FILENAME)
        self.path = os.path.abspath(path)
        with _locks_guard:
            self._lock = _locks.setdefault(self.path, threading.Lock())

    # -- writing -----------------------------------------------------------------------------

    def record(self, features: dict[str, Any], event: str) -> None:
        """Store one event with the suggestion's features (JSON-serializable values only)."""
        if event not in EVENTS:
            raise ValueError(f"unknown feedback event {event!r}; expected one of {', '.join(EVENTS)}")
        if not isinstance(features, dict):
            raise ValueError("feedback features must be a dict")
        payload = json.dumps(features, sort_keys=True, default=str)
        operator = str(features.get("operator") or "unknown")
        key = str(features.get("key") or "")
        with self._lock, closing(self._connect(create=True)) as db, _errors(self.path), db:
            db.execute("INSERT INTO events (ts, event, operator, key, features) VALUES (?, ?, ?, ?, ?)",
                       (time.time(), event, operator, key, payload))

    def reset(self) -> None:
        """Forget every event (the "reset feedback" command)."""
        with self._lock:
            if not os.path.exists(self.path):
                return
            with closing(self._connect(create=False)) as db, _errors(self.path), db:
                db.execute("DELETE FROM events")

    # -- reading -----------------------------------------------------------------------------

    def events(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Events oldest first: ``{"id", "ts", "event", "operator", "key", "features"}``.

        With ``limit``, only the newest ``limit`` events (still oldest first)."""
        sql = "SELECT id, ts, event, operator, key, features FROM events ORDER BY id"
        args: tuple = ()
        if limit is not None:
            sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY id"
            args = (int(limit),)
        rows = self._query(sql, args)
        return [{"id": r[0], "ts": r[1], "event": r[2], "operator": r[3], "key": r[4],
                 "features": json.loads(r[5])} for r in rows]

    def acceptance(self, operator: str) -> tuple[int, int]:
        """(accepted, total) events for one operator kind; ignores count in the total."""
        rows = self._query("SELECT SUM(event = 'accept'), COUNT(*) FROM events WHERE operator = ?",
                           (str(operator),))
        accepted, total = rows[0] if rows else (0, 0)
        return int(accepted or 0), int(total or 0)

    def recently_rejected(self, key: str, within_s: float = 600.0) -> bool:
        """Whether the suggestion with this key was rejected in the last ``within_s`` seconds."""
        if not key:
            return False
        rows = self._query("SELECT COUNT(*) FROM events WHERE key = ? AND event = 'reject' AND ts >= ?",
                           (key, time.time() - within_s))
        return bool(rows and rows[0][0])

    def version(self) -> tuple[int, int]:
        """(event count, newest id): changes whenever the store does; lets callers cache models."""
        rows = self._query("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM events", ())
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)

    # -- plumbing ----------------------------------------------------------------------------

    def _query(self, sql: str, args: tuple) -> list[tuple]:
        # Reading must not create the file: a user who never clicked anything has no store.
        if not os.path.exists(self.path):
            return []
        with self._lock, closing(self._connect(create=False)) as db, _errors(self.path):
            return db.execute(sql, args).fetchall()

    def _connect(self, create: bool) -> sqlite3.Connection:
        with _errors(self.path):
            if create:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10.0)
            try:
                db.executescript(_SCHEMA)
            except sqlite3.Error:
                db.close()
                raise
            return db


@contextmanager
def _errors(path: str) -> Iterator[None]:
    """Turn OS and SQLite failures into one-line FeedbackErrors naming the file."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        raise FeedbackError(f"feedback store {path} unusable: {exc}") from None
