"""Settings shared by the CLI and the language server, with sane defaults.

``Settings.from_mapping`` validates untrusted input (LSP configuration, CLI flags):
an unknown key or a bad value yields the default plus a one-line problem, never
an exception, so a typo in someone's editor config cannot stop debugging.
Defaults, bounds, accepted keys and what each setting means come from
``settings_schema`` (the one table the client, package.json and README are made from).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

from tracefix import settings_schema as schema

RUN_ON = schema.get("runOn").enum
_ENGINE = schema.defaults("engine")
_LLM = schema.defaults("llm")


@dataclass(frozen=True)
class LLMSettings:
    enabled: bool = _LLM["enabled"]
    base_url: str = _LLM["base_url"]
    model: str = _LLM["model"]
    api_key_env: str = _LLM["api_key_env"]
    timeout: float = _LLM["timeout"]
    samples: int = _LLM["samples"]
    rounds: int = _LLM["rounds"]
    max_tokens_per_run: int = _LLM["max_tokens_per_run"]

    @classmethod
    def from_env(cls, **overrides: Any) -> "LLMSettings":
        base = cls(base_url=os.environ.get("TRACEFIX_LLM_BASE_URL", ""),
                   model=os.environ.get("TRACEFIX_LLM_MODEL", ""))
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Settings:
    # What each one means: settings_schema.SETTINGS.
    python: str = _ENGINE["python"]
    timeout: float = _ENGINE["timeout"]
    run_on: str = _ENGINE["run_on"]
    debounce_ms: int = _ENGINE["debounce_ms"]
    precision: float = _ENGINE["precision"]
    repair: bool = _ENGINE["repair"]
    repair_seconds: float = _ENGINE["repair_seconds"]
    max_candidates: int = _ENGINE["max_candidates"]
    workers: int = _ENGINE["workers"]
    memory_mb: int = _ENGINE["memory_mb"]
    output_bytes: int = _ENGINE["output_bytes"]
    network: bool = _ENGINE["network"]
    warm: bool = _ENGINE["warm"]
    max_tests: int = _ENGINE["max_tests"]
    tests: tuple[str, ...] = _ENGINE["tests"]
    llm: LLMSettings = field(default_factory=LLMSettings)

    @classmethod
    def from_mapping(cls, data: dict[str, Any] | None) -> tuple["Settings", list[str]]:
        """Build settings from loosely typed input; returns (settings, problems)."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        aliases = schema.aliases("engine")
        known = {f.name: f for f in fields(cls)}
        for key, raw in (data or {}).items():
            name = aliases.get(key, key)
            if name == "llm":
                llm, llm_problems = _llm_from_mapping(raw)
                values["llm"] = llm
                problems += llm_problems
                continue
            if name not in known:
                problems.append(f"unknown setting '{key}' ignored")
                continue
            ok, value = _coerce(name, raw, getattr(cls(), name))
            if ok:
                values[name] = value
            else:
                problems.append(f"invalid value {raw!r} for '{key}'; using {getattr(cls(), name)!r}")
        return cls(**values), problems


_BOUNDS = {"engine": schema.bounds("engine"), "llm": schema.bounds("llm")}


def _coerce(name: str, raw: Any, default: Any, owner: str = "engine") -> tuple[bool, Any]:
    if name == "run_on":
        return (raw in RUN_ON, raw)
    if isinstance(default, tuple):  # a list of strings; one string may hold several, comma-separated
        items = raw.split(",") if isinstance(raw, str) else raw
        ok = isinstance(items, (list, tuple)) and all(isinstance(x, str) for x in items)
        return (ok, tuple(x.strip() for x in items if x.strip()) if ok else default)
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return True, raw
            if str(raw).lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
                return True, str(raw).lower() in ("true", "1", "yes", "on")
            return False, default
        if isinstance(default, (int, float)) and not isinstance(raw, bool):
            value = type(default)(raw)
            lo, hi = _BOUNDS[owner].get(name, (float("-inf"), float("inf")))
            return (lo <= value <= hi, value)
        if isinstance(default, str):
            return (isinstance(raw, str), raw)
    except (TypeError, ValueError):
        pass
    return False, default


def _llm_from_mapping(raw: Any) -> tuple[LLMSettings, list[str]]:
    if not isinstance(raw, dict):
        return LLMSettings(), [f"invalid value {raw!r} for 'llm'; LLM disabled"]
    aliases = schema.aliases("llm")
    known = {f.name for f in fields(LLMSettings)}
    values: dict[str, Any] = {}
    problems = []
    default = LLMSettings()
    for key, v in raw.items():
        name = aliases.get(key, key)
        if name not in known:
            problems.append(f"unknown setting 'llm.{key}' ignored")
            continue
        ok, value = _coerce(name, v, getattr(default, name), "llm")
        if ok:
            values[name] = value
        else:
            problems.append(f"invalid value {v!r} for 'llm.{key}'; using {getattr(default, name)!r}")
    llm = replace(default, **values)
    if "enabled" not in values and llm.base_url and llm.model:
        llm = replace(llm, enabled=True)
    return llm, problems
