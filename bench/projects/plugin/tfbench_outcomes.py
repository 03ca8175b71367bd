"""A pytest plugin the benchmark loads with `-p tfbench_outcomes` (stdlib only, pytest 6.2+).

It only observes: per node id the worst outcome of its phases and the seconds its phases
took, collection errors, and, when
TFBENCH_LINES names a folder, which lines of the files under it ran (sys.monitoring on 3.12+,
sys.settrace before). Results go as JSON to the file named by TFBENCH_OUT at session end.
"""
import json
import os
import sys

_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
_outcomes = {}
_durations = {}
_collect_errors = []
_lines = {}
_root = os.environ.get("TFBENCH_LINES")
_TOOL = 4  # a sys.monitoring tool id that coverage (1) and profilers (2) do not use


def _record(code, line):
    _lines.setdefault(code.co_filename, set()).add(line)


def _start_lines():
    if not _root:
        return
    root = os.path.realpath(_root) + os.sep
    if sys.version_info >= (3, 12):
        mon = sys.monitoring
        mon.use_tool_id(_TOOL, "tfbench")

        def on_line(code, line):
            if code.co_filename.startswith(root):
                _record(code, line)
            return mon.DISABLE

        mon.register_callback(_TOOL, mon.events.LINE, on_line)
        mon.set_events(_TOOL, mon.events.LINE)
    else:
        import threading

        def tracer(frame, event, arg):
            if not frame.f_code.co_filename.startswith(root):
                return None
            if event == "line":
                _record(frame.f_code, frame.f_lineno)
            return tracer

        sys.settrace(tracer)
        threading.settrace(tracer)


def pytest_configure(config):
    _start_lines()


def pytest_collectreport(report):
    if report.failed:
        _collect_errors.append({"nodeid": report.nodeid, "message": str(report.longrepr)[-600:]})


def pytest_runtest_logreport(report):
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + float(getattr(report, "duration", 0.0))
    if report.when == "call":
        outcome = report.outcome
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        outcome = "passed"
    if hasattr(report, "wasxfail"):
        outcome = "skipped"
    old = _outcomes.get(report.nodeid)
    if old is None or _RANK[outcome] > _RANK[old]:
        _outcomes[report.nodeid] = outcome


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("TFBENCH_OUT")
    if not out:
        return
    if _root and sys.version_info >= (3, 12):
        sys.monitoring.set_events(_TOOL, 0)
    data = {"exitstatus": int(exitstatus), "outcomes": _outcomes, "collect_errors": _collect_errors,
            "durations": {k: round(v, 6) for k, v in _durations.items()},
            "lines": {path: sorted(lines) for path, lines in _lines.items()}}
    with open(out, "w") as fh:
        json.dump(data, fh)
