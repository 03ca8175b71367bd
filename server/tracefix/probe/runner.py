"""Child-process entry point: run the document's tests under the tracer.

Usage (by the server, never by hand): ``python runner.py JOB.json``.
Stdlib only, Python 3.9+. Results go to the file named in the job as JSON lines,
one per test, so that a timeout or a crash still leaves the finished tests.
Nothing is printed on the user's stdout by the probe itself.
"""
from __future__ import annotations

import io
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def apply_limits(limits):
    """rlimits for this process and its children; silently skipped where the OS refuses."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return []
    applied = []
    table = {
        "cpu_seconds": getattr(resource, "RLIMIT_CPU", None),
        "memory_bytes": getattr(resource, "RLIMIT_AS", None),
        "file_bytes": getattr(resource, "RLIMIT_FSIZE", None),
        "open_files": getattr(resource, "RLIMIT_NOFILE", None),
        "processes": getattr(resource, "RLIMIT_NPROC", None),
    }
    for key, which in table.items():
        value = limits.get(key)
        if which is None or not value:
            continue
        try:
            soft, hard = resource.getrlimit(which)
            value = int(value)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, hard if hard != resource.RLIM_INFINITY else value))
            applied.append(key)
        except (ValueError, OSError):
            pass
    return applied


class Results:
    """Results as JSON lines, appended per test: linear in the number of tests, and a
    timeout or crash still leaves every finished test readable."""

    def __init__(self, path, tracer_backend):
        self.path = path
        self._write({"python": sys.version.split()[0], "backend": tracer_backend})

    def _write(self, record):
        line = json.dumps(record) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)

    def add(self, test, trace=None):
        self._write({"test": test, "trace": trace})

    def finish(self, crash=None):
        self._write({"done": True, "crash": crash})


def _exc_line(tb, target):
    """Deepest line of ``target`` in a traceback (where the document went wrong)."""
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _exc_info(exc, target):
    if exc is None:
        return None
    text = str(exc)
    return {"type": type(exc).__name__, "message": text[:500], "line": _exc_line(exc.__traceback__, target)}


class PytestPlugin:
    """Hooks that tell the tracer which test is running and collect outcomes."""

    def __init__(self, job, tracer, results):
        self.job = job
        self.tracer = tracer
        self.results = results
        self.target = job["target"]
        self.current = None
        self.comparison = None
        self.outcomes = {}
        self.collect_errors = []

    def pytest_internalerror(self, excrepr, excinfo):
        # sys.exit() while pytest imports a module surfaces here, not as a collection error.
        exc = excinfo.value
        line = _exc_line(excinfo.tb, self.target)
        where = " at line %d" % line if line else ""
        self.collect_errors.append(("the tests could not be imported: %s: %s was raised%s"
                                    % (type(exc).__name__, str(exc)[:200], where))[:MESSAGE_CHARS])

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(_collect_error(report))

    def pytest_runtest_setup(self, item):
        self._begin(item)

    def _begin(self, item):
        if self.current != item.nodeid:
            self.current = item.nodeid
            self.comparison = None
            self.started = time.perf_counter()
            self.exc = None
            self.outcome = None
            if self.tracer is not None:
                self.tracer.start_test(item.nodeid)

    def pytest_assertrepr_compare(self, config, op, left, right):
        if self.current is not None and self.comparison is None:
            r = self.tracer.repr if self.tracer is not None else None
            self.comparison = {"op": op, "left": r.repr(left) if r else repr(left)[:200],
                               "right": r.repr(right) if r else repr(right)[:200]}
        return None

    def pytest_runtest_makereport(self, item, call):
        if call.excinfo is not None and self.exc is None and call.when in ("setup", "call", "teardown"):
            self.exc = call.excinfo.value

    def pytest_runtest_logreport(self, report):
        if report.nodeid != self.current:
            return
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
        if outcome in ("failed", "error"):
            message = _summary(report, self.exc)
        elif outcome == "skipped":
            message = _skip_reason(report)
        trace = self.tracer.end_test() if self.tracer is not None else None
        test = {"id": self.current, "outcome": outcome, "message": message,
                "duration_ms": (time.perf_counter() - self.started) * 1000,
                "exception": _exc_info(self.exc, self.target) if outcome in ("failed", "error") else None,
                "comparison": self.comparison if outcome == "failed" else None}
        self.outcomes[self.current] = outcome
        self.current = None
        self.results.add(test, trace)


MESSAGE_CHARS = 1000


def _collect_error(report):
    """The line that says why a test file could not be imported, e.g. "SystemExit: 3"."""
    text = str(getattr(report, "longreprtext", "") or report.longrepr or "")
    errors = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    where = os.path.basename(str(getattr(report, "nodeid", "") or "")) or "a test file"
    reason = errors[-1] if errors else (text.strip().splitlines() or ["unknown error"])[-1]
    return ("could not import " + where + ": " + reason)[:MESSAGE_CHARS]


def _summary(report, exc):
    if exc is not None:
        first = str(exc).strip().splitlines()
        head = first[0][:MESSAGE_CHARS] if first else ""
        if isinstance(exc, AssertionError):
            return head or "assertion failed"
        return (type(exc).__name__ + ": " + head).strip().rstrip(":")
    text = str(getattr(report, "longreprtext", "") or "").strip().splitlines()
    return text[-1][:300] if text else report.outcome


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "")
    return "skipped"


def run_pytest(job, tracer, results, arm=None):
    """``arm``: when given, installs the tracer and returns its uninstaller; it is then armed only
    while a test's body runs (sys.settrace would otherwise pay for every call pytest makes)."""
    if not job.get("pytest_autoload", True):
        # tracefix's own environment carries plugins (hypothesis, pytest-lsp) the user's tests
        # never asked for; importing them costs seconds per run.
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        import pytest
    except ImportError:
        # The user's environment has no pytest: use tracefix's copy, without any plugins.
        sys.path.extend(job.get("pytest_fallback", []))
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        try:
            import pytest
        except ImportError as exc:
            version = "%d.%d" % sys.version_info[:2]
            for t in job["tests"]:
                if t["kind"] == "pytest":
                    results.add({"id": t["id"], "outcome": "error", "message":
                                 "pytest is not installed for Python " + version + " and tracefix's own copy "
                                 "cannot run there (" + str(exc)[:120] + "); run `pip install pytest` in that "
                                 "environment"})
            return
    plugin = PytestPlugin(job, tracer, results)
    args = [t["id"] for t in job["tests"] if t["kind"] == "pytest"]
    if not args:
        return
    if not job.get("pytest_autoload", True):
        import importlib.util

        for plugin_module in ("pytest_asyncio.plugin",):
            if importlib.util.find_spec(plugin_module.split(".")[0]) is not None:
                # The scope setting silences pytest-asyncio's deprecation warning, which would
                # otherwise end up as the last stderr line users see.
                args += ["-p", plugin_module, "-o", "asyncio_default_fixture_loop_scope=function"]
    args += ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist", "-p", "no:cov",
             "--color=no", "--tb=no", "-o", "addopts=", "--no-header", "-rN"]
    sink = io.StringIO()
    saved = sys.stdout
    # pytest's own report is noise for us; user output inside tests is captured by pytest itself.
    sys.stdout = sink
    plugins = [plugin]
    if arm is not None:
        plugins.append(_armed_during_calls(pytest, arm))
    try:
        code = pytest.main(args, plugins=plugins)
    finally:
        sys.stdout = saved
    if not plugin.outcomes:
        text = sink.getvalue().strip().splitlines()
        detail = plugin.collect_errors[0] if plugin.collect_errors else (
            "pytest found no tests to run (exit code %s)" % code if code == 5 else
            "could not collect tests: " + (text[-1].strip() if text else "pytest exit code %s" % code))
        for t in job["tests"]:
            if t["kind"] == "pytest":
                results.add({"id": t["id"], "outcome": "error", "message": detail[:MESSAGE_CHARS]})


def _armed_during_calls(pytest, arm):
    class ArmDuringCall:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item):
            disarm = arm()
            try:
                yield
            finally:
                disarm()

    return ArmDuringCall()


def run_doctests(job, tracer, results):
    import doctest
    import importlib

    wanted = [t for t in job["tests"] if t["kind"] == "doctest"]
    if not wanted:
        return
    try:
        module = importlib.import_module(job["module"])
    except BaseException as exc:  # the module itself fails to import
        for t in wanted:
            results.add({"id": t["id"], "outcome": "error", "message": "import failed: " + type(exc).__name__ +
                         ": " + str(exc)[:200], "exception": _exc_info(exc, job["target"])})
        return
    finder = doctest.DocTestFinder()
    by_name = {}
    for test in finder.find(module):
        if test.examples:
            short = test.name.split(".", 1)[1] if "." in test.name else test.name
            by_name["doctest:" + short] = test
    for t in wanted:
        test = by_name.get(t["id"])
        if test is None:
            results.add({"id": t["id"], "outcome": "error", "message": "doctest not found"})
            continue
        out = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        if tracer is not None:
            tracer.start_test(t["id"])
        started = time.perf_counter()
        exc_seen = []
        original = runner.report_unexpected_exception

        def report_unexpected(out_, test_, example, exc_info, _orig=original):
            exc_seen.append(exc_info[1])
            return _orig(out_, test_, example, exc_info)

        runner.report_unexpected_exception = report_unexpected
        saved = sys.stdout
        try:
            res = runner.run(test, out=out.write, clear_globs=True)
        finally:
            sys.stdout = saved
        trace = tracer.end_test() if tracer is not None else None
        message = ""
        outcome = "passed" if res.failed == 0 else "failed"
        if res.failed:
            message = _doctest_message(out.getvalue())
        exc = exc_seen[0] if exc_seen else None
        results.add({"id": t["id"], "outcome": outcome, "message": message,
                     "duration_ms": (time.perf_counter() - started) * 1000,
                     "exception": _exc_info(exc, job["target"]) if exc is not None else None,
                     "comparison": None}, trace)


def _doctest_message(text):
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    try:
        i = lines.index("Expected:")
        j = lines.index("Got:")
        expected = " ".join(x.strip() for x in lines[i + 1:j])
        got = " ".join(x.strip() for x in lines[j + 1:j + 3])
        return ("expected " + expected + ", got " + got)[:MESSAGE_CHARS]
    except ValueError:
        tail = [line for line in lines if not line.startswith("*")]
        return (tail[-1] if tail else "doctest failed")[:300]


def run_script(job, tracer, results):
    import runpy

    wanted = [t for t in job["tests"] if t["kind"] == "script"]
    if not wanted:
        return
    t = wanted[0]
    if tracer is not None:
        tracer.start_test(t["id"])
    started = time.perf_counter()
    exc = None
    saved_argv = sys.argv
    sys.argv = [job["target"]]
    try:
        runpy.run_path(job["target"], run_name="__main__")
        outcome = "passed"
    except SystemExit as e:
        outcome = "passed" if e.code in (None, 0) else "failed"
        if outcome == "failed":
            exc = e
    except BaseException as e:
        outcome = "failed"
        exc = e
    finally:
        sys.argv = saved_argv
    trace = tracer.end_test() if tracer is not None else None
    message = ""
    if exc is not None:
        message = (type(exc).__name__ + ": " + str(exc)).strip().rstrip(":")[:300]
    results.add({"id": t["id"], "outcome": outcome, "message": message,
                 "duration_ms": (time.perf_counter() - started) * 1000,
                 "exception": _exc_info(exc, job["target"]), "comparison": None}, trace)


def _load_private(name, filename):
    """Load a sibling file under a private name: a user module called `tracer` must not collide with ours."""
    import importlib.util

    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        job = json.load(f)
    execute(job)


def execute(job):
    """Run one job in this (fresh or freshly forked) process, then exit it."""
    apply_limits(job.get("limits", {}))
    os.chdir(job["cwd"])
    sys.path[:0] = job.get("sys_path", [])
    # Keep our own module out of the user's namespace: we are imported by path only.
    sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    tracer = None
    uninstall = None
    arm = None
    backend = "none"
    if job.get("trace", True):
        tracer_mod = _load_private("_tracefix_tracer", "tracer.py")
        leaders = {int(k): v for k, v in job["leaders"].items()}
        lines = {int(k): v for k, v in job.get("lines", {}).items()}
        tracer = tracer_mod.Tracer(job["target"], leaders, job.get("budgets", {}), lines)
        wanted = job.get("backend", "auto")
        backend = "sys.monitoring" if wanted == "monitoring" or (wanted == "auto" and hasattr(sys, "monitoring")) \
            else "sys.settrace"
        if backend == "sys.settrace":
            # Pytest makes thousands of calls per test; under settrace each one reaches our global
            # trace function, so the tracer is armed only while a test body runs.
            arm = lambda: tracer_mod.install(tracer, "settrace")[0]  # noqa: E731
        else:
            uninstall, backend = tracer_mod.install(tracer, wanted)
    results = Results(job["result"], backend)
    crash = None
    try:
        run_pytest(job, tracer, results, arm)
        if arm is not None:
            uninstall = arm()
        run_doctests(job, tracer, results)
        run_script(job, tracer, results)
    except BaseException:
        crash = traceback.format_exc()[-2000:]
    finally:
        if uninstall is not None:
            uninstall()
    results.finish(crash)
    sys.stdout.flush()
    # Threads the user left running must not keep the child alive past its results.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
