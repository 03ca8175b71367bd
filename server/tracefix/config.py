"""Settings shared by the CLI and the language server, with sane defaults.

``Settings.from_mapping`` validates untrusted input (LSP configuration, CLI flags):
an unknown key or a bad value yields the default plus a one-line problem, never
an exception, so a typo in someone's editor config cannot stop debugging.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

RUN_ON = ("save", "type", "manual")


@dataclass(frozen=True)
class LLMSettings:
    enabled: bool = False
    base_url: str = ""
    model: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 60.0
    samples: int = 3
    rounds: int = 2
    max_tokens_per_run: int = 20000

    @classmethod
    def from_env(cls, **overrides: Any) -> "LLMSettings":
        base = cls(base_url=os.environ.get("TRACEFIX_LLM_BASE_URL", ""),
                   model=os.environ.get("TRACEFIX_LLM_MODEL", ""))
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Settings:
    python: str = ""  # interpreter that runs user code; "" = the one tracefix runs on
    timeout: float = 30.0  # wall seconds for one child run
    run_on: str = "save"
    debounce_ms: int = 600  # pause after typing before a run when run_on == "type"
    precision: float = 0.9  # decide knob: higher shows fewer, surer fixes
    repair: bool = True
    repair_seconds: float = 20.0  # time budget for the offline search
    max_candidates: int = 60  # candidates validated per run
    workers: int = 2  # parallel validation children
    memory_mb: int = 1024  # address-space limit of a child
    output_bytes: int = 1_000_000  # stdout/stderr cap per child
    network: bool = False  # allow user code network access (unshare where possible)
    warm: bool = True  # keep a fork server per (project, environment) so runs skip start-up and pytest import
    max_tests: int = 300  # tests run per debug run (those that failed last time first)
    tests: tuple[str, ...] = ()  # globs (relative to the project root) where the tests are; () = pytest's own config
    llm: LLMSettings = field(default_factory=LLMSettings)

    @classmethod
    def from_mapping(cls, data: dict[str, Any] | None) -> tuple["Settings", list[str]]:
        """Build settings from loosely typed input; returns (settings, problems)."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        aliases = {"interpreter": "python", "runOn": "run_on", "timeoutSeconds": "timeout",
                   "repairSeconds": "repair_seconds", "maxCandidates": "max_candidates",
                   "memoryMb": "memory_mb", "outputBytes": "output_bytes", "debounceMs": "debounce_ms",
                   "maxTests": "max_tests", "testPaths": "tests"}
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


_BOUNDS = {"timeout": (0.5, 600), "precision": (0.0, 1.0), "repair_seconds": (0, 600),
           "max_candidates": (0, 2000), "max_tests": (1, 100_000), "workers": (1, 16), "memory_mb": (64, 65536),
           "output_bytes": (1000, 100_000_000), "debounce_ms": (0, 10000),
           "samples": (1, 10), "rounds": (1, 10), "max_tokens_per_run": (100, 10_000_000)}


def _coerce(name: str, raw: Any, default: Any) -> tuple[bool, Any]:
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
            lo, hi = _BOUNDS.get(name, (float("-inf"), float("inf")))
            return (lo <= value <= hi, value)
        if isinstance(default, str):
            return (isinstance(raw, str), raw)
    except (TypeError, ValueError):
        pass
    return False, default


def _llm_from_mapping(raw: Any) -> tuple[LLMSettings, list[str]]:
    if not isinstance(raw, dict):
        return LLMSettings(), [f"invalid value {raw!r} for 'llm'; LLM disabled"]
    aliases = {"baseUrl": "base_url", "apiKeyEnvVar": "api_key_env", "apiKeyEnv": "api_key_env",
               "maxSamples": "samples", "maxTokensPerRun": "max_tokens_per_run", "timeoutSeconds": "timeout"}
    known = {f.name for f in fields(LLMSettings)}
    values: dict[str, Any] = {}
    problems = []
    default = LLMSettings()
    for key, v in raw.items():
        name = aliases.get(key, key)
        if name not in known:
            problems.append(f"unknown setting 'llm.{key}' ignored")
            continue
        ok, value = _coerce(name, v, getattr(default, name))
        if ok:
            values[name] = value
        else:
            problems.append(f"invalid value {v!r} for 'llm.{key}'; using {getattr(default, name)!r}")
    llm = replace(default, **values)
    if "enabled" not in values and llm.base_url and llm.model:
        llm = replace(llm, enabled=True)
    return llm, problems
