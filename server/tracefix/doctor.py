"""`tracefix doctor`: one screen a user can paste into a bug report."""
from __future__ import annotations

import os
import platform
import sys

from tracefix import __version__, sandbox


def lines(python_setting: str = "") -> list[str]:
    from tracefix.config import LLMSettings

    path, version, problem = sandbox.resolve_python(python_setting)
    major_minor = tuple(int(x) for x in version.split(".")[:2]) if version else (0, 0)
    backend = "sys.monitoring" if major_minor >= (3, 12) else "sys.settrace" if version else "n/a"
    out = [
        f"tracefix {__version__} on Python {platform.python_version()} ({sys.executable})",
        f"platform: {platform.platform()}",
        f"user code runs with: {path or '-'} (Python {version or '?'})" + (f"  PROBLEM: {problem}" if problem else ""),
        f"tracer backend for that interpreter: {backend}",
        "sandbox: child process, " + ", ".join(_protections()),
    ]
    llm = LLMSettings.from_env()
    if llm.base_url:
        out.append(f"LLM endpoint: {llm.base_url} model {llm.model or '?'}: {_reachable(llm.base_url)}; "
                   f"key env {llm.api_key_env} {'set' if os.environ.get(llm.api_key_env) else 'not set'}")
    else:
        out.append("LLM: not configured (offline engine only)")
    return out


def _protections() -> list[str]:
    items = ["wall timeout", "rlimits (cpu, address space, file size, open files, processes)",
             *sandbox.BASE_PROTECTIONS]
    _, isolated = sandbox.isolation(False)
    items += isolated or ["no PID or network namespace (unshare not permitted here): leftover processes are "
                          "killed by process group only, and the network is NOT isolated"]
    return items


def _reachable(url: str) -> str:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(url.rstrip("/") + "/models", timeout=3)
        return "reachable"
    except urllib.error.HTTPError as exc:
        return f"reachable (HTTP {exc.code})"
    except (OSError, ValueError) as exc:
        return f"unreachable ({exc})"


def main() -> int:
    print("\n".join(lines(os.environ.get("TRACEFIX_PYTHON", ""))))
    return 0
