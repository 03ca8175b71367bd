"""The local feedback store: a real SQLite file, real threads."""
from __future__ import annotations

import os
import socket
import threading

import pytest

from tracefix.feedback import FILENAME, FeedbackError, FeedbackStore, default_path


def test_events_round_trip_and_persist(tmp_path):
    path = str(tmp_path / "fb.sqlite3")
    store = FeedbackStore(path)
    store.record({"operator": "comparison", "edit_lines": 1, "key": "k1"}, "accept")
    store.record({"operator": "arithmetic", "edit_lines": 2}, "reject")
    store.record({"operator": "comparison"}, "ignore")
    again = FeedbackStore(path)  # a new instance (another process would do the same) sees them
    events = again.events()
    assert [e["event"] for e in events] == ["accept", "reject", "ignore"]
    assert events[0]["features"] == {"operator": "comparison", "edit_lines": 1, "key": "k1"}
    assert events[0]["key"] == "k1" and events[1]["operator"] == "arithmetic"
    assert [e["event"] for e in again.events(limit=2)] == ["reject", "ignore"]


def test_acceptance_counts_per_operator(tmp_path):
    store = FeedbackStore(str(tmp_path / "fb.sqlite3"))
    assert store.acceptance("comparison") == (0, 0)
    for event in ("accept", "accept", "reject", "ignore"):
        store.record({"operator": "comparison"}, event)
    store.record({"operator": "arithmetic"}, "accept")
    assert store.acceptance("comparison") == (2, 4)
    assert store.acceptance("arithmetic") == (1, 1)
    assert store.acceptance("missing") == (0, 0)


def test_reset_forgets_everything(tmp_path):
    store = FeedbackStore(str(tmp_path / "fb.sqlite3"))
    store.record({"operator": "x"}, "accept")
    store.reset()
    assert store.events() == [] and store.acceptance("x") == (0, 0)
    store.record({"operator": "x"}, "reject")
    assert store.acceptance("x") == (0, 1)


def test_bad_input_is_refused(tmp_path):
    store = FeedbackStore(str(tmp_path / "fb.sqlite3"))
    with pytest.raises(ValueError, match="unknown feedback event"):
        store.record({"operator": "x"}, "clicked")
    with pytest.raises(ValueError):
        store.record(["not", "a", "dict"], "accept")  # type: ignore[arg-type]
    assert store.events() == []


def test_reading_does_not_create_the_file(tmp_path):
    path = tmp_path / "sub" / "fb.sqlite3"
    store = FeedbackStore(str(path))
    assert store.events() == [] and store.acceptance("x") == (0, 0) and store.version() == (0, 0)
    assert not path.exists()
    store.record({"operator": "x"}, "accept")
    assert path.exists()


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEFIX_DATA_DIR", str(tmp_path / "data"))
    assert default_path() == str(tmp_path / "data" / FILENAME)
    store = FeedbackStore()
    store.record({"operator": "x"}, "accept")
    assert (tmp_path / "data" / FILENAME).exists()
    # A folder given as the path means "the store inside this folder".
    assert FeedbackStore(str(tmp_path / "data")).acceptance("x") == (1, 1)


def test_default_is_the_platform_user_data_dir(monkeypatch):
    monkeypatch.delenv("TRACEFIX_DATA_DIR", raising=False)
    import platformdirs

    assert default_path() == os.path.join(platformdirs.user_data_dir("tracefix", appauthor=False), FILENAME)


def test_concurrent_writers_and_readers(tmp_path):
    path = str(tmp_path / "fb.sqlite3")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            store = FeedbackStore(path)  # each thread its own instance, as LSP workers would
            for i in range(40):
                store.record({"operator": f"op{n}", "i": i}, "accept" if i % 2 else "reject")
                store.acceptance(f"op{n}")
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = FeedbackStore(path)
    events = store.events()
    assert len(events) == 240 and len({e["id"] for e in events}) == 240
    assert all(store.acceptance(f"op{n}") == (20, 40) for n in range(6))


def test_recently_rejected(tmp_path):
    store = FeedbackStore(str(tmp_path / "fb.sqlite3"))
    store.record({"operator": "x", "key": "abc"}, "reject")
    store.record({"operator": "x", "key": "def"}, "accept")
    assert store.recently_rejected("abc")
    assert not store.recently_rejected("def")
    assert not store.recently_rejected("abc", within_s=-1)  # older than the window
    assert not store.recently_rejected("")


def test_corrupt_file_gives_one_line_error(tmp_path):
    path = tmp_path / "fb.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = FeedbackStore(str(path))
    with pytest.raises(FeedbackError) as info:
        store.events()
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_works_without_any_network(tmp_path, monkeypatch):
    """The store never talks to the network: it works with sockets forbidden."""

    def no_network(*args, **kwargs):
        raise AssertionError("feedback store tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    store = FeedbackStore(str(tmp_path / "fb.sqlite3"))
    store.record({"operator": "x"}, "accept")
    assert store.acceptance("x") == (1, 1)
