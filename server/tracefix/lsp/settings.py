"""Configuration from initializationOptions, workspace/configuration and didChangeConfiguration.

Clients send settings in different shapes (``{"tracefix": {...}}`` or the section
itself, ``null`` for unset values in VS Code). This module normalises them and hands
the engine's keys to ``Settings.from_mapping``, which turns bad values into defaults
plus problems. Each distinct problem is shown to the user once per session, not on
every change.

Settings are kept per scope: a client that answers ``workspace/configuration`` with a
``scopeUri`` (VS Code does, per workspace folder) can give each folder its own
interpreter, precision or test paths. The editor-only keys (notifications, lenses,
hints) live beside the engine's in ``EditorSettings``; ``trace`` is the client's own
protocol-log switch (``tracefix.trace.server``) and is never the server's business.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracefix.config import Settings

SECTION = "tracefix"
CLIENT_ONLY = ("trace",)  # read by the language client itself, sent along in the section


@dataclass(frozen=True)
class EditorSettings:
    show_notifications: bool = False  # window/showMessage for problems; off: the log and the status only
    code_lens: bool = True
    inlay_hints: bool = True


_EDITOR_KEYS = {"showNotifications": "show_notifications", "codeLens": "code_lens", "inlayHints": "inlay_hints"}


@dataclass(frozen=True)
class Scoped:
    """Everything one document runs and shows with."""

    engine: Settings = Settings()
    editor: EditorSettings = EditorSettings()


def section_of(raw: Any) -> dict[str, Any]:
    """The tracefix section of whatever a client sent, with unset (null) values dropped."""
    if hasattr(raw, "__dict__") and not isinstance(raw, dict):  # a structured object from the converter
        raw = dict(vars(raw))
    if not isinstance(raw, dict):
        return {}
    if isinstance(raw.get(SECTION), dict):
        raw = raw[SECTION]
    return _drop_nulls(raw)


def _drop_nulls(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        if v is None:
            continue
        out[k] = _drop_nulls(v) if isinstance(v, dict) else v
    return out


def _flag(raw: Any) -> bool | None:
    """A boolean, or ``{"enabled": bool}`` (the shape of a VS Code ``x.enabled`` setting)."""
    if isinstance(raw, dict):
        raw = raw.get("enabled")
    return raw if isinstance(raw, bool) else None


def parse(merged: dict[str, Any]) -> tuple[Scoped, list[str]]:
    engine_keys = {k: v for k, v in merged.items() if k not in _EDITOR_KEYS and k not in CLIENT_ONLY}
    engine, problems = Settings.from_mapping(engine_keys)
    editor: dict[str, bool] = {}
    for key, name in _EDITOR_KEYS.items():
        if key not in merged:
            continue
        value = _flag(merged[key])
        if value is None:
            problems.append(f"invalid value {merged[key]!r} for '{key}'; using {getattr(EditorSettings(), name)!r}")
        else:
            editor[name] = value
    return Scoped(engine, EditorSettings(**editor)), problems


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **top}
    if isinstance(base.get("llm"), dict) and isinstance(top.get("llm"), dict):
        merged["llm"] = {**base["llm"], **top["llm"]}
    return merged


class Configuration:
    """Layers: initializationOptions, then the client's configuration (per scope) on top."""

    def __init__(self) -> None:
        self.initial: dict[str, Any] = {}
        self.workspace: dict[str, Any] = {}  # answered for no scope
        self.scoped: dict[str, dict[str, Any]] = {}  # document uri → answered for that scope
        self.default = Scoped()
        self._by_uri: dict[str, Scoped] = {}
        self._shown: set[str] = set()

    @property
    def settings(self) -> Settings:
        """The engine settings with no scope (what a document without its own answer runs with)."""
        return self.default.engine

    def update(self, *, initial: Any = None, workspace: Any = None) -> tuple[bool, list[str]]:
        """Apply new unscoped raw settings. Returns (changed, problems)."""
        if initial is not None:
            self.initial = section_of(initial)
        if workspace is not None:
            self.workspace = section_of(workspace)
        before = self.default
        self.default, problems = parse(_merge(self.initial, self.workspace))
        for uri in list(self._by_uri):  # scoped answers sit on top of the new base
            problems += self._rebuild(uri)
        return self.default != before, problems

    def update_scope(self, uri: str, raw: Any) -> tuple[bool, list[str]]:
        """The client's answer for ``scopeUri = uri``. Returns (changed for that document, problems)."""
        self.scoped[uri] = section_of(raw)
        before = self.for_uri(uri)
        problems = self._rebuild(uri)
        return self.for_uri(uri) != before, problems

    def _rebuild(self, uri: str) -> list[str]:
        if uri not in self.scoped:
            return []
        scoped, problems = parse(_merge(_merge(self.initial, self.workspace), self.scoped[uri]))
        self._by_uri[uri] = scoped
        return problems

    def for_uri(self, uri: str) -> Scoped:
        return self._by_uri.get(uri, self.default)

    def forget(self, uri: str) -> None:
        self.scoped.pop(uri, None)
        self._by_uri.pop(uri, None)

    def first_time(self, problems: list[str]) -> list[str]:
        new = [p for p in dict.fromkeys(problems) if p not in self._shown]  # one scope's repeat is no news
        self._shown.update(new)
        return new
