"""How an outcome is told: one line per test, exception or collection error, as the server shows it.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
Nothing here runs user code on purpose; where an exception's ``__str__`` is the user's,
:func:`safe_str` keeps a raising one from taking the run down.
"""
from __future__ import annotations

import re

MESSAGE_CHARS = 1000


def nonblank_lines(text):
    return [line.strip() for line in str(text).strip().splitlines() if line.strip()]


def one_line(text, limit=MESSAGE_CHARS):
    lines = nonblank_lines(text)
    return (lines[0] if lines else "")[:limit]


def safe_str(exc):
    try:
        return str(exc)
    except BaseException:  # a user __str__ that raises must not take the run down
        return "<unprintable>"


def exc_text(exc):
    """'ValueError: bad' (first line of the message), the way a traceback's last line reads."""
    head = one_line(safe_str(exc), 300)
    return type(exc).__name__ + (": " + head if head else "")


def exc_line(tb, target):
    """Deepest line of ``target`` in a traceback (where the document went wrong)."""
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def exc_info(exc, target):
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": safe_str(exc)[:500], "line": exc_line(exc.__traceback__, target)}


def summary(report, exc):
    if exc is not None:
        head = one_line(safe_str(exc))
        if isinstance(exc, AssertionError):
            return head or "assertion failed"
        return (type(exc).__name__ + ": " + head).strip().rstrip(":")
    text = str(getattr(report, "longreprtext", "") or "").strip().splitlines()
    return text[-1][:300] if text else report.outcome


def skip_reason(report):
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None:
        return ("expected to fail (xfail): " + str(wasxfail)).rstrip(": ")[:MESSAGE_CHARS]
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "")[:MESSAGE_CHARS]
    return "skipped"


_E_LINE = re.compile(r"^E\s+(.*)$")
_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure|Warning)?(:|$)")


def error_line(text):
    """The line of a pytest failure text that says what went wrong ("ModuleNotFoundError: No module ...")."""
    errors = [m.group(1).strip() for m in map(_E_LINE.match, str(text).splitlines()) if m and m.group(1).strip()]
    named = [line for line in errors if _EXC_LINE.match(line) and ":" in line]
    if named:
        return named[-1]
    if errors:
        return errors[-1]
    lines = nonblank_lines(text)
    return lines[-1] if lines else "unknown error"


def collect_problem(exc, report):
    """One line for a collector that failed: from the exception itself when we saw it."""
    if exc is not None and type(exc).__name__ == "ConftestImportFailure":
        inner = getattr(exc, "cause", None) or (getattr(exc, "excinfo", None) or (None, None))[1]
        if inner is not None:
            return exc_text(inner)
    if exc is not None and type(exc).__name__ != "CollectError":
        return exc_text(exc)
    # CollectError carries pytest's own rendering ("ImportError while importing test module ...").
    text = safe_str(exc) if exc is not None else str(getattr(report, "longreprtext", "") or report.longrepr or "")
    return error_line(text)


def user_frame(tb, project):
    """'conftest.py line 3': the last frame of the project in a traceback, or ''."""
    where = ""
    while tb is not None:
        rel = project.rel(tb.tb_frame.f_code.co_filename)
        if rel:
            where = "%s line %d" % (rel, tb.tb_lineno)
        tb = tb.tb_next
    return where
