"""`tracefix doctor`: one screen a user can paste into a bug report."""
from __future__ import annotations

import os
import platform
import sys

from tracefix import __version__, contract, sandbox


def lines(python_setting: str = "", file: str = "") -> list[str]:
    from tracefix.config import LLMSettings

    where = []
    if file:
        from tracefix import project

        proj = project.find(file, python_setting)
        python_setting = proj.python
        where = [f"project root: {proj.root}" + (f" (ini file {os.path.basename(proj.inifile)})" if proj.inifile else
                                                " (no pytest ini file; found by setup.py/pyproject.toml/VCS)"),
                 f"interpreter from: {proj.python_source}", f"import roots: {', '.join(proj.import_roots)}"]
    path, version, problem = sandbox.resolve_python(python_setting)
    major_minor = tuple(int(x) for x in version.split(".")[:2]) if version else (0, 0)
    backend = "%s (%s)" % contract.choose_backend(contract.BACKEND_AUTO, major_minor) if version else "n/a"
    out = [
        f"tracefix {__version__} on Python {platform.python_version()} ({sys.executable})",
        f"platform: {platform.platform()}",
        f"user code runs with: {path or '-'} (Python {version or '?'})" + (f"  PROBLEM: {problem}" if problem else ""),
        f"tracer backend for that interpreter: {backend}",
        *where,
        "sandbox (user code runs only in a child process):",
        *_protection_lines(),
    ]
    out.append(_feedback_line())
    llm = LLMSettings.from_env()
    if llm.base_url:
        out.append(f"LLM endpoint: {llm.base_url} model {llm.model or '?'}: {_reachable(llm.base_url)}; "
                   f"key env {llm.api_key_env} {'set' if os.environ.get(llm.api_key_env) else 'not set'}")
    else:
        out.append("LLM: not configured (offline engine only)")
    return out


def protections() -> list[tuple[str, bool, str]]:
    """(protection, active, why not) for every layer DESIGN.md §5 names."""
    base = [(name, True, "") for name in ("wall timeout", "rlimits (cpu, address space, file size, open files)",
                                          *sandbox.BASE_PROTECTIONS)]
    why = sandbox.jail_unavailable(False)
    jail = [(name, not why, why) for name in sandbox.JAIL_PROTECTIONS]
    jail.append(("no network (network namespace)", not why, why))
    if why:  # without the jail, the child confines itself where the kernel offers Landlock
        abi, no_landlock = _landlock()
        what = "writes confined to the run's scratch and /dev/null, ttys (not /dev/shm)"
        jail.append((f"{what} (Landlock ABI {abi})" if abi else f"{what} (Landlock)", bool(abi), no_landlock))
        jail.append(("the unsaved buffer served by an import hook (the file on disk is never written)", True, ""))
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    nproc = ("process-count limit (RLIMIT_NPROC)", not root,
             "running as root: the kernel does not apply RLIMIT_NPROC to root; a fork bomb is bounded only by "
             "the PID namespace (killed with the run) and the wall timeout" if root else "")
    return base + [nproc] + jail


def _landlock() -> tuple[int, str]:
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(sandbox.__file__)), "probe", "fallback.py")
    spec = importlib.util.spec_from_file_location("_tracefix_fallback_doctor", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.landlock_abi()


def _protections() -> list[str]:
    return [name for name, active, _ in protections() if active]


def _protection_lines() -> list[str]:
    out = []
    for name, active, why in protections():
        out.append(f"  [{'active' if active else 'unavailable'}] {name}" + ("" if active else f" ({why})"))
    return out


def _feedback_line() -> str:
    """Where the feedback store is and what is wrong with it (a damaged file, malformed rows skipped)."""
    from tracefix.feedback import FeedbackStore

    try:
        return FeedbackStore().check()
    except (OSError, ValueError) as exc:  # e.g. no data folder can be named on this machine
        return f"feedback store: unusable ({exc})"


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


def main(file: str = "", python: str = "") -> int:
    print("\n".join(lines(python or os.environ.get("TRACEFIX_PYTHON", ""), file)))
    return 0
