"""Run mode: the job's pytest tests, selected from whole files, traced, one record each, never a silent gap.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
"""
from __future__ import annotations

import os
import time

from _tracefix_contract import KIND_PYTEST, Job, Rec, Result
from _tracefix_outcomes import MESSAGE_CHARS, exc_info, exc_text, one_line, skip_reason, summary
from _tracefix_pytest_call import StoppedInTest, base_args, call_pytest, guard_plugins, load_pytest_recorded
from _tracefix_pytest_session import SessionPlugin


def _prefixes(node_id):
    """Every id that covers ``node_id``: its folders, file, classes, and the id without parameters."""
    base = node_id.split("[", 1)[0]
    out = {node_id, base}
    path, _, rest = base.partition("::")
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        out.add("/".join(parts[:i]))
    if rest:
        names = rest.split("::")
        for i in range(1, len(names) + 1):
            out.add(path + "::" + "::".join(names[:i]))
    return out


def _covers(outer, inner):
    return outer == inner or outer in _prefixes(inner)


class RunPlugin(SessionPlugin):
    """Selects the requested tests, tells the tracer which one runs, and writes each outcome."""

    def __init__(self, job, project, watch, requested):
        super().__init__(job, project)
        self.watch = watch
        self.requested = set(requested)
        self.reported = []
        self.selected = []
        self.deselected = []
        self._ours = False
        self.current = None

    # selection: we collect whole files and keep the requested ids, so that one stale id
    # (a test renamed since discovery) does not abort the others with "not found".
    def pytest_collection_modifyitems(self, session, config, items):
        keep, dropped = [], []
        for item in items:
            (keep if _prefixes(item.nodeid) & self.requested else dropped).append(item)
        if dropped:
            self._ours = True
            try:
                config.hook.pytest_deselected(items=dropped)
            finally:
                self._ours = False
        items[:] = keep
        self.selected = [item.nodeid for item in keep]

    def pytest_collection_finish(self, session):
        # Every test that will run, written before any does: if the process dies midway (os._exit, a
        # signal), the server can name each test that never reported instead of losing it.
        self.watch.results.record({Rec.PLANNED: [item.nodeid for item in session.items][:20000]})

    def pytest_deselected(self, items):
        if not self._ours:
            self.deselected.extend(item.nodeid for item in items)

    # one test
    def pytest_runtest_logstart(self, nodeid, location):
        self.current = nodeid
        self.comparison = None
        self.started = time.perf_counter()
        self.phases = 0.0  # seconds pytest itself timed for this test's setup, call and teardown
        self.exc = None
        self.stopped = None  # (exception, phase) when the test raised KeyboardInterrupt/SystemExit
        self.outcome = None
        self.watch.begin(nodeid)

    def pytest_assertrepr_compare(self, config, op, left, right):
        if self.current is not None and self.comparison is None:
            tracer = self.watch.tracer
            r = tracer.repr if tracer is not None else None
            self.comparison = {"op": op, "left": r.repr(left) if r else repr(left)[:200],
                               "right": r.repr(right) if r else repr(right)[:200]}
        return None

    def pytest_runtest_makereport(self, item, call):
        if item.nodeid != self.current or call.excinfo is None:
            return
        value = call.excinfo.value
        original = value.original if isinstance(value, StoppedInTest) else value
        if self.exc is None:
            self.exc = original
        if self.stopped is None and isinstance(original, (KeyboardInterrupt, SystemExit)):
            self.stopped = (original, call.when)

    def pytest_runtest_logreport(self, report):
        if report.nodeid != self.current or report.outcome == "rerun":
            return  # pytest-rerunfailures logs a "rerun" and runs the phases again
        self.phases += float(getattr(report, "duration", 0.0) or 0.0)
        outcome = report.outcome
        if report.when == "call" or (report.when == "setup" and outcome != "passed"):
            if report.when == "setup" and outcome == "failed":
                outcome = "error"
            self.outcome = (outcome, report)
        if report.when == "teardown":
            self._finish(report)

    def _finish(self, teardown_report):
        outcome, report = self.outcome or ("error", teardown_report)
        if teardown_report.outcome == "failed" and outcome == "passed":
            outcome, report = "error", teardown_report
        message = ""
        if self.stopped is not None:
            exc, when = self.stopped
            phase = {"setup": "setup", "call": "the test", "teardown": "teardown"}.get(when, when)
            outcome = "error"
            message = "%s was raised during %s" % (exc_text(exc), phase)
        elif outcome in ("failed", "error"):
            message = summary(report, self.exc)
        elif outcome == "skipped":
            message = skip_reason(report)
        # pytest's own duration (setup + call + teardown, as `pytest --durations` shows it): the
        # hooks between the phases and our own record keeping are not the test's time.
        test = {Result.ID: self.current, Result.OUTCOME: outcome, Result.MESSAGE: message[:MESSAGE_CHARS],
                Result.DURATION_MS: self.phases * 1000,
                Result.EXCEPTION: exc_info(self.exc, self.target) if outcome in ("failed", "error") else None,
                Result.COMPARISON: self.comparison if outcome == "failed" else None}
        self.reported.append(self.current)
        self.current = None
        self.watch.end(test)

    # after the session
    def close_unfinished(self, reason):
        """The test that was running when the session stopped (pytest.exit, an internal error)."""
        if self.current is None:
            return
        test = {Result.ID: self.current, Result.OUTCOME: "error",
                Result.MESSAGE: one_line("the test did not finish: " + (reason or "the pytest session stopped")),
                Result.DURATION_MS: (time.perf_counter() - self.started) * 1000,
                Result.EXCEPTION: exc_info(self.exc, self.target), Result.COMPARISON: None}
        self.reported.append(self.current)
        self.current = None
        self.watch.end(test)

    def missing(self, requested, problem, code):
        """(id, outcome, message) for every selected test that did not report, and for every
        requested id that selected nothing."""
        reported = set(self.reported)
        deselected = set(self.deselected)
        # Deselected by the project's own -m/-k: like plain pytest, not run and not an error.
        expected = [node_id for node_id in self.selected if node_id not in deselected]
        why = "not run: " + problem if problem else "pytest did not run this test (exit code %s)" % code
        out = [(node_id, "error", why) for node_id in expected if node_id not in reported]
        covered = set()
        for node_id in self.reported + expected:
            covered |= _prefixes(node_id)
        for test_id in requested:
            if test_id not in covered:
                out.append((test_id,) + self._why_missing(test_id, problem, code))
        return out

    def _why_missing(self, test_id, problem, code):
        for node_id, file, line in self.collect_errors:
            if not node_id or _covers(node_id, test_id) or _covers(test_id, node_id):
                return "error", "could not import %s: %s" % (file or "the tests", line)
        for node_id, reason in self.collect_skips:
            if _covers(node_id, test_id) or _covers(test_id, node_id):
                return "skipped", reason
        if any(_covers(test_id, d) or _covers(d, test_id) for d in self.deselected):
            return "skipped", "deselected by the project's pytest options (-m/-k in its config)"
        if problem:
            return "error", "not run: " + problem
        return "error", ("pytest found no test with this id (renamed or removed, or not a test under the "
                         "project's python_files/python_classes/python_functions settings; exit code %s)" % code)


def run_pytest(job, results, watch, project, arm=None):
    """The job's pytest tests, one record each; never a silent gap."""
    requested = [t[Job.TEST_ID] for t in job[Job.TESTS] if t[Job.TEST_KIND] == KIND_PYTEST]
    if not requested:
        return
    pytest, version, problem = load_pytest_recorded(job, results)
    if pytest is None:
        for test_id in requested:
            results.error(test_id, problem)
        return
    # Node ids are relative to the root; pytest gets absolute paths so that the working
    # directory (an old job's "cwd") cannot shift them.
    files, gone = [], []
    for test_id in requested:
        path = os.path.join(project.real, test_id.split("::", 1)[0])
        if not os.path.exists(path):
            gone.append(test_id)
        elif path not in files:
            files.append(path)
    for test_id in gone:
        results.error(test_id, "file not found: " + test_id.split("::", 1)[0])
    if not files:
        return
    wanted = [t for t in requested if t not in gone]
    plugin = RunPlugin(job, project, watch, wanted)
    args = base_args(version, project.real) + list(job.get(Job.PYTEST_ARGS, [])) + files
    code, out, err, raised = call_pytest(pytest, args, [plugin] + guard_plugins(pytest, arm), project)
    problem = plugin.problem(code, out, err, raised)
    plugin.close_unfinished(problem)
    for test_id, outcome, message in plugin.missing(wanted, problem, code):
        results.error(test_id, message, outcome)
