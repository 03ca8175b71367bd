"""The ``Documents`` store: one owner for everything the server keeps per open document.

It holds each document's ``DocState`` (the last published snapshot, the run in flight,
the user's picks) and the bookkeeping of fixes handed out to the user: which were
shown, which the user accepted or rejected, and which were edited past without either
(an ignore). The language server, the runner and the commands all go through it, so
no other module writes a ``DocState``.

It never talks to the client and never records feedback itself: methods return what
should be recorded, and the caller records it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Iterator

from tracefix.lsp.state import DocState, Snapshot
from tracefix.model import Report

HANDED_OUT_KEPT = 200  # suggestion ids remembered per document for late accept/reject commands


class Documents:
    def __init__(self, current: Callable[[str], Any]):
        """``current(uri)`` is the client's text document now (``.version``, ``.source``), or None."""
        self.current = current
        self._states: dict[str, DocState] = {}
        self._functions: dict[str, tuple[int, list]] = {}  # uri → (version, functions) for code lenses

    # -- the states --------------------------------------------------------------------------

    def state(self, uri: str) -> DocState:
        return self._states.setdefault(uri, DocState(uri=uri))

    def get(self, uri: str) -> DocState | None:
        return self._states.get(uri)

    def is_current(self, state: DocState) -> bool:
        """``state`` is still the one kept for its document (not closed, not reopened since)."""
        return self._states.get(state.uri) is state

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._states))

    def forget(self, uri: str) -> DocState | None:
        self._functions.pop(uri, None)
        return self._states.pop(uri, None)

    def functions(self, uri: str, version: int, compute: Callable[[], list]) -> list:
        """The document's functions at ``version`` (for code lenses before any run), computed once per version."""
        cached = self._functions.get(uri)
        if cached is None or cached[0] != version:
            cached = self._functions[uri] = (version, compute())
        return cached[1]

    # -- snapshots ---------------------------------------------------------------------------

    def snapshot(self, uri: str) -> Snapshot | None:
        """The last result, only while the document still has exactly the text it was computed on.

        Never changes the stored snapshot: after an undo back to the debugged text (same text,
        newer version) the answer is a copy stamped with the version the client has now, since
        edits must name that version or the client refuses them.
        """
        state = self._states.get(uri)
        doc = self.current(uri)
        if state is None or state.snapshot is None or doc is None:
            return None
        snap = state.snapshot
        if snap.version == doc.version:
            return snap
        if snap.text == doc.source:
            return replace(snap, version=doc.version)
        return None

    @staticmethod
    def reported(state: DocState, report: Report) -> None:
        """The latest result, also one that will not replace the snapshot (the text did not parse)."""
        state.last_report = report

    def keep(self, state: DocState, snap: Snapshot, final: bool) -> list[dict]:
        """``snap`` becomes the document's result. Returns the features of shown fixes the user edited past
        without accepting or rejecting them: the caller records those as ignored."""
        ignored: list[dict] = []
        old = state.snapshot
        if old is not None and old.text != snap.text:
            state.show_all = False
            ignored = self.edited_past(state)
        state.snapshot = snap
        if final:
            self._hand_out(state, snap.version, snap.report)
        return ignored

    # -- accept / reject / ignore ------------------------------------------------------------

    def _hand_out(self, state: DocState, version: int, report: Report) -> None:
        state.undecided = {s.id: dict(s.features) for s in report.suggestions if s.shown}
        for s in report.suggestions:
            state.handed_out[f"{version}:{s.id}"] = dict(s.features)
            state.handed_out[s.id] = dict(s.features)
        while len(state.handed_out) > HANDED_OUT_KEPT:  # bounded: a long session must not grow
            del state.handed_out[next(iter(state.handed_out))]

    @staticmethod
    def edited_past(state: DocState) -> list[dict]:
        """Shown fixes left undecided when the text moved on; each distinct fix counts once per document,
        or the same fix re-shown on every save of an active typist would silence tracefix."""
        pending, state.undecided = list(state.undecided.values()), {}
        pending = [f for f in pending if f.get("key") not in state.ignored_keys]
        state.ignored_keys.update(f["key"] for f in pending if f.get("key"))
        return pending

    def handed_out(self, uri: str, sid: str, version: int | None) -> dict | None:
        """The features of a suggestion the user acts on, also after its report was replaced."""
        state = self._states.get(uri)
        if state is None:
            return None
        features = state.handed_out.get(f"{version}:{sid}") if version is not None else None
        if features is None and state.snapshot is not None and state.snapshot.suggestion(sid):
            features = dict(state.snapshot.suggestion(sid).features)
        if features is None:
            features = state.handed_out.get(sid)
        return features

    def decided(self, uri: str, sid: str) -> None:
        """The user accepted or rejected ``sid``: it will not count as ignored."""
        state = self._states.get(uri)
        if state is not None:
            state.undecided.pop(sid, None)
