"""Local store of what the user did with suggestions (accept / reject / ignore).

The decide stage learns from these events (DESIGN.md §1 step 7). They stay on this
machine: a single SQLite file in the user's data directory, nothing is ever sent.

The file is input like any other: it may be damaged, replaced by something that is not
SQLite, or filled with junk (issue 12). So every read is bounded (the newest
``READ_LIMIT`` rows, a value-size limit, a time limit) and every row is validated
before anyone sees it; malformed rows are skipped and counted, and ``problems()`` says
so in one line. A store that cannot be read at all raises ``FeedbackError`` (one line),
which callers turn into "deciding without your feedback history" — never a crash.

One SQLite connection per operation plus a process-wide lock per file keeps the
store safe when the language server's worker threads and a CLI run touch it at the
same time; SQLite's own locking (with a busy timeout) covers other processes.
"""
from __future__ import annotations

import json
import math
import os
import stat
import sqlite3
import threading
import time
import urllib.parse
from contextlib import closing, contextmanager
from typing import Any, Iterator

EVENTS = ("accept", "reject", "ignore")
FILENAME = "feedback.sqlite3"

# Bounds on what one read may cost, whatever the file holds (a million junk rows, a 1 GB cell).
READ_LIMIT = 5000  # newest rows ever read; older history adds little to the posterior anyway
VALUE_LIMIT = 1_000_000  # bytes SQLite may hand us for one value; a bigger cell fails the read
READ_SECONDS = 2.0  # wall time one query may take (a hostile view can loop forever)
FEATURES_CHARS = 16_384  # the JSON of one event's features
TEXT_CHARS = 256  # operator, key, and each string feature
FEATURE_KEYS = 64
NUMBER_LIMIT = 1e9  # features are counts, ranks and rates; anything this big was not written by us
TS_MIN = 946_684_800.0  # 2000-01-01: older means a broken clock or a forged row
TS_SKEW = 86_400.0  # rows "from the future" beyond a day would, e.g., pin a rejection forever

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
_COLUMNS = "id, ts, event, operator, key, features"

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
        self._skipped: dict[str, int] = {}  # reason → malformed rows skipped by the last full read
        self._unusable = ""  # why the last read failed, if it did

    # -- writing -----------------------------------------------------------------------------

    def record(self, features: dict[str, Any], event: str) -> None:
        """Store one event with the suggestion's features, made to pass the reader's checks.

        Non-scalar feature values become (short) strings and over-long ones are cut, so what
        we write is always what we accept back."""
        if event not in EVENTS:
            raise ValueError(f"unknown feedback event {event!r}; expected one of {', '.join(EVENTS)}")
        if not isinstance(features, dict):
            raise ValueError("feedback features must be a dict")
        clean = _clean_features(features)
        payload = json.dumps(clean, sort_keys=True)
        operator = _short(clean.get("operator") or "unknown")
        key = _short(clean.get("key") or "")
        with self._lock, closing(self._connect(create=True)) as db, _errors(self.path), db:
            db.execute("INSERT INTO events (ts, event, operator, key, features) VALUES (?, ?, ?, ?, ?)",
                       (time.time(), event, operator, key, payload))

    def reset(self) -> None:
        """Forget every event (the "reset feedback" command).

        A store that cannot be opened is moved aside to ``<file>.broken`` (replacing an older
        one): resetting is how a user gets out of a damaged store, so it must not fail on one."""
        with self._lock:
            if not os.path.lexists(self.path):
                return
            try:
                with closing(self._connect(create=False)) as db, _errors(self.path), db:
                    db.execute("DELETE FROM events")
            except FeedbackError:
                with _errors(self.path):
                    os.replace(self.path, self.path + ".broken")
        self._skipped, self._unusable = {}, ""

    # -- reading -----------------------------------------------------------------------------

    def events(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Valid events oldest first: ``{"id", "ts", "event", "operator", "key", "features"}``.

        Reads at most the newest ``limit`` rows (never more than ``READ_LIMIT``); malformed rows
        among them are skipped and counted for ``problems()``."""
        n = READ_LIMIT if limit is None else max(0, min(int(limit), READ_LIMIT))
        rows = self._query(f"SELECT {_COLUMNS} FROM events ORDER BY id DESC LIMIT ?", (n,))
        good, skipped = [], {}
        for row in rows:
            event, why = validate_row(row)
            if event is None:
                skipped[why] = skipped.get(why, 0) + 1
            else:
                good.append(event)
        self._skipped = skipped
        good.reverse()
        return good

    def acceptance(self, operator: str) -> tuple[int, int]:
        """(accepted, total) valid events for one operator kind among the newest ``READ_LIMIT``;
        ignores count in the total."""
        mine = [e for e in self.events() if e["operator"] == str(operator)]
        return sum(e["event"] == "accept" for e in mine), len(mine)

    def recently_rejected(self, key: str, within_s: float = 600.0) -> bool:
        """Whether the suggestion with this key was rejected in the last ``within_s`` seconds."""
        if not key:
            return False
        now = time.time()
        # Uses the key index and a small LIMIT: bounded however many rows share the key.
        rows = self._query(f"SELECT {_COLUMNS} FROM events WHERE key = ? AND event = 'reject' AND ts >= ? "
                           "ORDER BY id DESC LIMIT 20", (str(key), now - within_s))
        return any(validate_row(r, now)[0] is not None for r in rows)

    def version(self) -> tuple[int, int]:
        """(events in the read window, newest id): changes whenever the store does; lets callers
        cache models. Bounded: counts at most ``READ_LIMIT`` rows."""
        rows = self._query("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM "
                           "(SELECT id FROM events ORDER BY id DESC LIMIT ?)", (READ_LIMIT,))
        try:
            return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)
        except (TypeError, ValueError):  # a forged non-integer id
            return (0, 0)

    def problems(self) -> list[str]:
        """What the last read found wrong, one line each (empty when the store is fine or absent)."""
        if self._unusable:
            return [self._unusable]
        if not self._skipped:
            return []
        total = sum(self._skipped.values())
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(self._skipped.items(), key=lambda kv: -kv[1]))
        return [f"feedback store {self.path}: ignored {total} malformed row{'s' if total != 1 else ''} ({reasons})"]

    def check(self) -> str:
        """One line for ``tracefix doctor``: where the store is and whether it is healthy."""
        if not os.path.lexists(self.path):
            return f"feedback store: {self.path} (none yet)"
        try:
            events = self.events()
        except FeedbackError as exc:
            return str(exc)
        return "; ".join([f"feedback store: {self.path} ({len(events)} events read)", *self.problems()])

    # -- plumbing ----------------------------------------------------------------------------

    def _query(self, sql: str, args: tuple) -> list[tuple]:
        # Reading must not create the file: a user who never clicked anything has no store.
        if not os.path.lexists(self.path):
            self._unusable = ""
            return []
        try:
            with self._lock, closing(self._connect(create=False, readonly=True)) as db, _errors(self.path):
                rows = _bounded(db, sql, args)
        except FeedbackError as exc:
            self._unusable = str(exc)
            raise
        self._unusable = ""
        return rows

    def _connect(self, create: bool, readonly: bool = False) -> sqlite3.Connection:
        with _errors(self.path):
            if create:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
            if os.path.lexists(self.path):
                # SQLite would open() a FIFO and block forever, or read a device; refuse before it does.
                mode = os.stat(self.path).st_mode
                if not stat.S_ISREG(mode):
                    raise OSError(f"not a regular file ({_kind(mode)})")
            if readonly:
                # mode=ro: reading never creates tables or otherwise changes a file we did not write.
                uri = "file:" + urllib.parse.quote(self.path) + "?mode=ro"
                db = sqlite3.connect(uri, uri=True, timeout=READ_SECONDS)
            else:
                db = sqlite3.connect(self.path, timeout=10.0)
            try:
                # Views and triggers in a forged file must not call functions with side effects.
                db.execute("PRAGMA trusted_schema = OFF")
                if hasattr(db, "setlimit"):  # 3.11+: a giant cell fails the read instead of filling memory
                    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT)
                if not readonly:
                    db.executescript(_SCHEMA)
            except sqlite3.Error:
                db.close()
                raise
            return db


def _bounded(db: sqlite3.Connection, sql: str, args: tuple) -> list[tuple]:
    """Run one query with a wall-time limit (SQLite calls the handler every few thousand steps)."""
    deadline = time.monotonic() + READ_SECONDS
    db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        return db.execute(sql, args).fetchmany(READ_LIMIT + 1)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise sqlite3.OperationalError(f"reading took longer than {READ_SECONDS:g} s") from None
        raise


def validate_row(row: tuple, now: float | None = None) -> tuple[dict[str, Any] | None, str]:
    """(event dict, "") for a sane row, else (None, why) with a short reason used for counting."""
    if len(row) != 6:
        return None, "wrong number of columns"
    rid, ts, event, operator, key, features = row
    if not isinstance(rid, int) or isinstance(rid, bool):
        return None, "non-integer id"
    if event not in EVENTS:
        return None, "unknown event"
    now = time.time() if now is None else now
    if not isinstance(ts, (int, float)) or not math.isfinite(ts) or not TS_MIN <= ts <= now + TS_SKEW:
        return None, "bad timestamp"
    if not isinstance(operator, str) or not isinstance(key, str) or len(operator) > TEXT_CHARS \
            or len(key) > TEXT_CHARS:
        return None, "bad operator or key"
    if not isinstance(features, str) or len(features) > FEATURES_CHARS:
        return None, "features not text or too long"
    try:
        parsed = json.loads(features, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None, "features not JSON"
    if not isinstance(parsed, dict) or len(parsed) > FEATURE_KEYS:
        return None, "features not a small object"
    if not all(_scalar_ok(v) for v in parsed.values()):
        return None, "features not numbers/strings"
    return {"id": rid, "ts": float(ts), "event": event, "operator": operator, "key": key, "features": parsed}, ""


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")  # NaN / Infinity: json accepts them, we do not


def _scalar_ok(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value) and abs(value) <= NUMBER_LIMIT
    return isinstance(value, str) and len(value) <= TEXT_CHARS


def _clean_features(features: dict[str, Any]) -> dict[str, Any]:
    """Features as the reader will accept them: scalar values, short strings, a bounded number of keys."""
    out: dict[str, Any] = {}
    for k, v in list(features.items())[:FEATURE_KEYS]:
        if not _scalar_ok(v):
            v = _short(v) if not isinstance(v, (int, float)) or isinstance(v, bool) else None
        out[_short(k)] = v
    return out


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text[:TEXT_CHARS]


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


@contextmanager
def _errors(path: str) -> Iterator[None]:
    """Turn OS and SQLite failures into one-line FeedbackErrors naming the file."""
    try:
        yield
    except (OSError, sqlite3.Error, ValueError, MemoryError) as exc:
        text = " ".join(str(exc).split())[:200]
        raise FeedbackError(f"feedback store {path} unusable: {text}") from None
