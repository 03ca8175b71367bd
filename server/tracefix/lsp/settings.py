"""Configuration from initializationOptions, workspace/configuration and didChangeConfiguration.

Clients send settings in different shapes (``{"tracefix": {...}}`` or the section
itself, ``null`` for unset values in VS Code). This module normalises them and hands
them to ``Settings.from_mapping``, which turns bad values into defaults plus problems.
Each distinct problem is shown to the user once per session, not on every change.
"""
from __future__ import annotations

from typing import Any

from tracefix.config import Settings

SECTION = "tracefix"


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


class Configuration:
    """Layers: initializationOptions, then the client's workspace configuration on top."""

    def __init__(self) -> None:
        self.initial: dict[str, Any] = {}
        self.workspace: dict[str, Any] = {}
        self.settings = Settings()
        self._shown: set[str] = set()

    def update(self, *, initial: Any = None, workspace: Any = None) -> tuple[bool, list[str]]:
        """Apply new raw settings. Returns (changed, problems); ``first_time`` filters repeats."""
        if initial is not None:
            self.initial = section_of(initial)
        if workspace is not None:
            self.workspace = section_of(workspace)
        merged = {**self.initial, **self.workspace}
        if isinstance(self.initial.get("llm"), dict) and isinstance(self.workspace.get("llm"), dict):
            merged["llm"] = {**self.initial["llm"], **self.workspace["llm"]}
        settings, problems = Settings.from_mapping(merged)
        changed = settings != self.settings
        self.settings = settings
        return changed, problems

    def first_time(self, problems: list[str]) -> list[str]:
        new = [p for p in problems if p not in self._shown]
        self._shown.update(new)
        return new
