"""What a pytest session reports besides its tests: collection errors and skips, interruptions,
internal errors, an early stop; and from those, why a session did not run what it was asked to.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
"""
from __future__ import annotations

import os
import re

from _tracefix_contract import Job
from _tracefix_outcomes import (MESSAGE_CHARS, collect_problem, error_line, exc_line, exc_text, nonblank_lines,
                                one_line, safe_str, skip_reason, user_frame)

_CONFTEST = re.compile(r"ImportError while loading conftest '(.+?)'")


class SessionPlugin:
    """Collection errors, interruptions and internal errors, in both modes (run and collect)."""

    def __init__(self, job, project):
        self.job = job
        self.target = job[Job.TARGET]
        self.project = project
        self.collect_errors = []  # (collector node id, file relative to root, one line)
        self.collect_skips = []  # (collector node id, reason)
        self.interrupted = ""
        self.internal_error = ""
        self.stopped_early = ""
        self._collect_exc = {}

    def pytest_sessionfinish(self, session, exitstatus):
        # --maxfail / -x kept from the project's options, or a plugin that asked the session to stop.
        reason = getattr(session, "shouldstop", False) or getattr(session, "shouldfail", False)
        if isinstance(reason, str) and reason:
            self.stopped_early = "the session stopped early: " + one_line(reason, 300)

    def pytest_exception_interact(self, node, call, report):
        if getattr(report, "when", None) == "collect" and call.excinfo is not None:
            self._collect_exc[getattr(node, "nodeid", "")] = call.excinfo.value

    def pytest_collectreport(self, report):
        if report.failed:
            exc = self._collect_exc.pop(report.nodeid, None)
            self.collect_errors.append((report.nodeid, self._collect_file(report, exc),
                                        collect_problem(exc, report)[:MESSAGE_CHARS]))
        elif report.skipped:
            self.collect_skips.append((report.nodeid, skip_reason(report)))

    def _collect_file(self, report, exc):
        path = getattr(exc, "path", None) or getattr(exc, "fspath", None)
        if path is not None and type(exc).__name__ == "ConftestImportFailure":
            return self.project.rel(str(path)) or str(path)
        return report.nodeid.split("::")[0]

    def pytest_keyboard_interrupt(self, excinfo):
        # pytest.exit() anywhere, or a KeyboardInterrupt outside a test's own phases.
        exc = excinfo.value
        if type(exc).__name__ == "Exit":
            text = "pytest.exit() stopped the session: " + one_line(getattr(exc, "msg", "") or safe_str(exc), 300)
        else:
            text = exc_text(exc) + " stopped the pytest session"
        where = user_frame(excinfo.tb, self.project)
        self.interrupted = (text + (" (" + where + ")" if where else ""))[:MESSAGE_CHARS]

    def pytest_internalerror(self, excrepr, excinfo):
        exc = excinfo.value
        line = exc_line(excinfo.tb, self.target)
        frame = user_frame(excinfo.tb, self.project)
        where = " at line %d" % line if line else (" in " + frame if frame else "")
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            # sys.exit() while pytest imports a test module can surface here, not as a collection error.
            text = "the tests could not be imported: %s was raised%s" % (exc_text(exc), where)
        else:
            text = "pytest failed with an internal error: %s%s" % (exc_text(exc), where)
        self.internal_error = text[:MESSAGE_CHARS]

    def problem(self, code, out, err, raised):
        """Why the session ended without running what it was asked to, in one line ("" when it did not).

        ``code``, ``out``, ``err`` and ``raised`` are what :func:`call_pytest` returned."""
        if raised:
            return raised
        if self.interrupted:
            return self.interrupted
        if self.internal_error:
            return self.internal_error
        if self.stopped_early:
            return self.stopped_early
        conftest = _CONFTEST.search(err)
        if conftest:
            path = self.project.rel(conftest.group(1)) or os.path.basename(conftest.group(1))
            return "could not import %s: %s" % (path, error_line(err[conftest.end():]))
        if code is not None and int(code) == 4:
            return "pytest rejected the options: " + _usage_line(err + "\n" + out)
        if code is not None and int(code) == 3:
            return "pytest failed with an internal error: " + error_line(out + "\n" + err)
        return ""


def _usage_line(text):
    lines = nonblank_lines(text)
    for line in lines:
        match = re.search(r"\berror: (.*)", line)
        if match and not line.startswith("ERROR: usage"):
            return match.group(1)[:MESSAGE_CHARS]
    for line in lines:
        if line.startswith("ERROR: ") and not line.startswith("ERROR: usage"):
            return line[len("ERROR: "):][:MESSAGE_CHARS]
    return (lines[-1] if lines else "usage error")[:MESSAGE_CHARS]
