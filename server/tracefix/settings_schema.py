"""Every setting once: its key, type, default, bounds and description.

Everything else is made from or checked against this table, so a default or a
bound changes in one place: ``config.py`` takes its defaults, bounds and key
aliases from here at import time; ``tools/settings_gen.py`` (``make settings``)
writes package.json's ``contributes.configuration``, the defaults block of
``client/src/core/settings.ts`` and the two README tables; the CLI help states
the defaults and ranges from here; ``tests/test_settings_schema.py`` fails when
any of them, or ``lsp/settings.py``, disagrees. Stdlib only: the generator
runs without the server's dependencies.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    key: str  # as clients send it inside the "tracefix" section; "llm.x" lives in the nested llm object
    field: str  # the attribute on config.Settings / config.LLMSettings / lsp.settings.EditorSettings
    type: str  # "string", "number" (float), "integer", "boolean" or "array" (of strings)
    default: Any
    description: str  # what the server does with it (README's language-server table)
    owner: str = "engine"  # "engine": config.Settings; "llm": config.LLMSettings; "editor": EditorSettings;
    # "client": read by the VS Code client itself, never by the server
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] = ()
    enum_descriptions: tuple[str, ...] = ()  # VS Code's per-choice help
    vscode: str = ""  # non-empty: offered in VS Code's Settings editor, with this (markdown) description
    scope: str = "resource"  # VS Code: "resource" can differ per workspace folder
    cli: str = ""  # the `tracefix debug` option that sets it, if any
    aliases: tuple[str, ...] = ()  # further keys accepted for it (besides the field name itself)

    @property
    def name(self) -> str:
        """The key without its ``llm.`` prefix: what the nested mapping holds."""
        return self.key.rsplit(".", 1)[-1]


SETTINGS: tuple[Setting, ...] = (
    Setting("interpreter", "python", "string", "",
            "Python that runs your code and tests (your venv's `python`); empty: the project's `.venv`/`venv`, "
            "else the one tracefix runs on",
            vscode="Python interpreter that runs your code and tests. Empty: the Python extension's active "
                   "interpreter if that extension is installed, else `python3` on PATH.",
            cli="--python"),
    Setting("runOn", "run_on", "string", "save",
            "`save`, `type` (after `debounceMs` of quiet; unsaved text runs) or `manual` (commands only)",
            enum=("save", "type", "manual"),
            enum_descriptions=("Trace the file's tests each time it is saved.",
                               "Trace after a pause in typing (unsaved text is what runs).",
                               "Trace only when you run Tracefix: Debug with Trace."),
            vscode="When Tracefix runs the tests of the file you are editing."),
    Setting("debounceMs", "debounce_ms", "integer", 600,
            "pause in milliseconds after typing before a run when `runOn` is `type`", minimum=0, maximum=10000),
    Setting("timeoutSeconds", "timeout", "number", 30.0,
            "wall-clock limit in seconds for one child run; the run is killed after it", minimum=0.5, maximum=600,
            vscode="Wall-clock limit in seconds for one traced test run; the run is killed after it.",
            cli="--timeout"),
    Setting("precision", "precision", "number", 0.95,
            "how sure tracefix must be before it shows a fix: higher shows fewer, surer fixes",
            minimum=0.0, maximum=1.0,
            vscode="How sure Tracefix must be before it shows a fix (0 to 1). Higher shows fewer, surer fixes; "
                   "`Show All Suggestions` lists the held ones too.",
            cli="--precision"),
    Setting("repair", "repair", "boolean", True,
            "search for fixes (diagnostics come first, fixes when validated)", cli="--no-repair"),
    Setting("repairSeconds", "repair_seconds", "number", 20.0,
            "time budget in seconds for the offline fix search", minimum=0, maximum=600, cli="--repair-seconds"),
    Setting("maxCandidates", "max_candidates", "integer", 60,
            "candidate fixes validated per run", minimum=0, maximum=2000),
    Setting("workers", "workers", "integer", 2, "candidate fixes validated in parallel", minimum=1, maximum=16),
    Setting("memoryMb", "memory_mb", "integer", 1024,
            "address-space limit of a child in MB", minimum=64, maximum=65536),
    Setting("outputBytes", "output_bytes", "integer", 1_000_000,
            "stdout/stderr kept per child", minimum=1000, maximum=100_000_000),
    Setting("network", "network", "boolean", False,
            "allow your code network access (otherwise unshared where the platform allows)"),
    Setting("warm", "warm", "boolean", True,
            "keep a fork server per project and interpreter, so runs skip start-up and pytest's import"),
    Setting("maxTests", "max_tests", "integer", 300,
            "at most this many of the project's tests run per debug run (the ones that failed last time first)",
            minimum=1, maximum=100_000,
            vscode="At most this many of the project's tests run per debug run (the ones that failed last time "
                   "first).",
            cli="--max-tests"),
    Setting("testPaths", "tests", "array", (),
            "where the project's tests are, as globs relative to the project root (a list, or one "
            "comma-separated string); empty: pytest's own configuration",
            vscode="Where the project's tests are, as globs relative to the project root (e.g. "
                   "`tests/**/test_*.py`). Empty: pytest's own configuration (testpaths) plus the file's folder.",
            cli="--tests"),
    Setting("showNotifications", "show_notifications", "boolean", False,
            "`window/showMessage` for problems; off: the log and the status only", owner="editor",
            vscode="Show pop-up messages for problems (a setting Tracefix cannot use, a run that could not "
                   "start). Off: they go to the `Tracefix` output and the Python language status item (`{}` in "
                   "the status bar)."),
    Setting("codeLens", "code_lens", "boolean", True,
            "code lenses: the file's test summary and \"Debug with trace\" above functions and tests",
            owner="editor",
            vscode="Show code lenses: the file's test summary and \"Debug with trace\" above functions and tests."),
    Setting("inlayHints", "inlay_hints", "boolean", True,
            "the values a suspicious block left behind, as inlay hints at its end", owner="editor",
            vscode="Show the values a suspicious block left behind, as inlay hints at its end."),
    Setting("trace.server", "trace_server", "string", "off",
            "the client's own protocol log; the server ignores it", owner="client",
            enum=("off", "messages", "verbose"), scope="window",
            vscode="Log the Language Server Protocol messages between VS Code and the Tracefix server in the "
                   "Tracefix output (for bug reports)."),
    Setting("llm.enabled", "enabled", "boolean", False,
            "ask the LLM too; on by itself when `baseUrl` and `model` are both set", owner="llm"),
    Setting("llm.baseUrl", "base_url", "string", "",
            "base URL of an OpenAI-compatible endpoint; empty: the offline engine only, no code leaves the machine",
            owner="llm", scope="window", cli="--base-url",
            vscode="Base URL of an OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp server, Ollama). Empty: "
                   "only the built-in offline engine proposes fixes and no code leaves the machine."),
    Setting("llm.model", "model", "string", "", "model name sent to the endpoint", owner="llm", scope="window",
            cli="--model",
            vscode="Model name sent to the LLM endpoint."),
    Setting("llm.apiKeyEnvVar", "api_key_env", "string", "OPENAI_API_KEY",
            "name of the environment variable that holds the API key", owner="llm", scope="window", cli="--api-key-env",
            aliases=("apiKeyEnv",),
            vscode="Name of the environment variable that holds the API key. A key stored with `Tracefix: Store "
                   "LLM API Key` (in VS Code's secret storage, never in settings) is passed to the server under "
                   "this name."),
    Setting("llm.timeoutSeconds", "timeout", "number", 60.0,
            "seconds one LLM request may take", owner="llm", minimum=0.5, maximum=600),
    Setting("llm.maxSamples", "samples", "integer", 3,
            "fix attempts asked of the model per round", owner="llm", minimum=1, maximum=10),
    Setting("llm.rounds", "rounds", "integer", 2,
            "rounds of asking, each from the best fix kept so far and the lessons of the failed ones",
            owner="llm", minimum=1, maximum=10),
    Setting("llm.maxTokensPerRun", "max_tokens_per_run", "integer", 20000,
            "tokens one debug run may spend on the LLM", owner="llm", minimum=100, maximum=10_000_000),
)


def of(owner: str) -> tuple[Setting, ...]:
    return tuple(s for s in SETTINGS if s.owner == owner)


def defaults(owner: str) -> dict[str, Any]:
    """field → default for one owner's dataclass."""
    return {s.field: s.default for s in of(owner)}


def bounds(owner: str) -> dict[str, tuple[float, float]]:
    """field → (minimum, maximum) for one owner's numeric settings."""
    return {s.field: (s.minimum, s.maximum) for s in of(owner) if s.minimum is not None}


def aliases(owner: str) -> dict[str, str]:
    """Every key a client may send for one owner (camelCase name and extra aliases) → field."""
    out = {}
    for s in of(owner):
        for key in (s.name, *s.aliases):
            if key != s.field:
                out[key] = s.field
    return out


def get(key: str) -> Setting:
    return next(s for s in SETTINGS if s.key == key)


def summary(key: str) -> str:
    """Range and default in words, for help texts: "0.5 to 600, default 30"."""
    s = get(key)
    span = f"{shown(s.minimum)} to {shown(s.maximum)}, " if s.minimum is not None else ""
    return f"{span}default {shown(s.default).strip(chr(34))}"


def shown(value: Any) -> str:
    """A value as the docs and the CLI help print it: 30 not 30.0, [] for an empty list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
