"""Child-process entry point: run (or collect) the document's tests in the user's own project.

Usage (by the server, never by hand): ``python runner.py JOB.json``, with the job's
project root as working directory; the fork server calls :func:`execute` instead.
Stdlib only, Python 3.9+: this file runs inside the user's interpreter and is handed
to it by path. Results go to ``job["result"]`` as JSON lines, written (and flushed)
one record at a time so that a timeout or a crash still leaves every finished test,
and a ``{"start": id}`` line before each test names the one that was running when the
process died. Nothing is printed on the user's stdout by the probe itself.

The project's own pytest runs with its plugins (autoload on), conftest chain and ini
options; tracefix's pure-Python copy (``job["pytest_fallback"]``) is used only when
the interpreter has no pytest, and then without plugin autoload.
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
MESSAGE_CHARS = 1000
MIN_PYTEST = (6, 2)
# Options we pass that older pytest versions reject as unknown (a usage error would lose the run).
OPTION_SINCE = {"--no-header": (6, 0)}
STREAM_TAIL_CHARS = 64 * 1024  # what we keep of pytest's own report: enough for its last lines
REACH_MAX_MODULES = 2000  # per test module: reach is a hint for the server, not a proof
REACH_MAX_GLOBALS = 20000  # names looked at per module


# -- process set-up -------------------------------------------------------------------------------

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
    """JSON lines appended one record at a time. The file is reopened per write on purpose:
    user code that closes descriptors it does not own must not silence the run."""

    def __init__(self, path, tracer_backend, protections=None):
        self.path = path
        header = {"python": sys.version.split()[0], "backend": tracer_backend}
        if protections is not None:
            header["fallback"] = protections  # what the no-jail fallback could set up
        self.record(header)

    def record(self, record):
        self.records([record])

    def records(self, records):
        if not records:
            return
        text = "".join(json.dumps(r) + "\n" for r in records)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(text)

    def start(self, test_id):
        self.record({"start": test_id})

    def add(self, test, trace=None):
        self.record({"test": test, "trace": trace})

    def error(self, test_id, message, outcome="error"):
        self.add({"id": test_id, "outcome": outcome, "message": _one_line(message)})

    def finish(self, crash=None):
        self.record({"done": True, "crash": crash})


class _Tail(io.TextIOBase):
    """A text stream that keeps only its last characters, optionally passing everything on."""

    def __init__(self, passthrough=None, limit=STREAM_TAIL_CHARS):
        super().__init__()
        self.passthrough = passthrough
        self.limit = limit
        self.parts = []
        self.size = 0

    def write(self, text):
        if self.passthrough is not None:
            self.passthrough.write(text)
        self.parts.append(text)
        self.size += len(text)
        if self.size > 2 * self.limit:
            kept = "".join(self.parts)[-self.limit:]
            self.parts, self.size = [kept], len(kept)
        return len(text)

    def flush(self):
        if self.passthrough is not None:
            self.passthrough.flush()

    def isatty(self):
        return False

    def fileno(self):
        # faulthandler and pytest's fd capture need the real descriptor behind stderr.
        if self.passthrough is not None:
            return self.passthrough.fileno()
        raise io.UnsupportedOperation("fileno")

    @property
    def encoding(self):
        return getattr(self.passthrough, "encoding", None) or "utf-8"

    def getvalue(self):
        return "".join(self.parts)[-self.limit:]


# -- messages -------------------------------------------------------------------------------------

def _one_line(text, limit=MESSAGE_CHARS):
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:limit]


def _safe_str(exc):
    try:
        return str(exc)
    except BaseException:  # a user __str__ that raises must not take the run down
        return "<unprintable>"


def _exc_text(exc):
    """'ValueError: bad' (first line of the message), the way a traceback's last line reads."""
    head = _one_line(_safe_str(exc), 300)
    return type(exc).__name__ + (": " + head if head else "")


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
    return {"type": type(exc).__name__, "message": _safe_str(exc)[:500], "line": _exc_line(exc.__traceback__, target)}


def _summary(report, exc):
    if exc is not None:
        head = _one_line(_safe_str(exc))
        if isinstance(exc, AssertionError):
            return head or "assertion failed"
        return (type(exc).__name__ + ": " + head).strip().rstrip(":")
    text = str(getattr(report, "longreprtext", "") or "").strip().splitlines()
    return text[-1][:300] if text else report.outcome


def _skip_reason(report):
    wasxfail = getattr(report, "wasxfail", None)
    if wasxfail is not None:
        return ("expected to fail (xfail): " + str(wasxfail)).rstrip(": ")[:MESSAGE_CHARS]
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).replace("Skipped: ", "")[:MESSAGE_CHARS]
    return "skipped"


_E_LINE = re.compile(r"^E\s+(.*)$")
_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure|Warning)?(:|$)")


def _error_line(text):
    """The line of a pytest failure text that says what went wrong ("ModuleNotFoundError: No module ...")."""
    errors = [m.group(1).strip() for m in map(_E_LINE.match, str(text).splitlines()) if m and m.group(1).strip()]
    named = [line for line in errors if _EXC_LINE.match(line) and ":" in line]
    if named:
        return named[-1]
    if errors:
        return errors[-1]
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


def _collect_problem(exc, report):
    """One line for a collector that failed: from the exception itself when we saw it."""
    if exc is not None and type(exc).__name__ == "ConftestImportFailure":
        inner = getattr(exc, "cause", None) or (getattr(exc, "excinfo", None) or (None, None))[1]
        if inner is not None:
            return _exc_text(inner)
    if exc is not None and type(exc).__name__ != "CollectError":
        return _exc_text(exc)
    # CollectError carries pytest's own rendering ("ImportError while importing test module ...").
    text = _safe_str(exc) if exc is not None else str(getattr(report, "longreprtext", "") or report.longrepr or "")
    return _error_line(text)


def _user_frame(tb, project):
    """'conftest.py line 3': the last frame of the project in a traceback, or ''."""
    where = ""
    while tb is not None:
        rel = project.rel(tb.tb_frame.f_code.co_filename)
        if rel:
            where = "%s line %d" % (rel, tb.tb_lineno)
        tb = tb.tb_next
    return where


# -- the project's files --------------------------------------------------------------------------

class Project:
    """Which files belong to the project: under its root, outside any environment or tracefix."""

    def __init__(self, root, extra_excluded=()):
        self.root = os.path.abspath(root)
        # What pytest gets as --rootdir and path arguments: it compares the rootdir with the
        # working directory, which the OS reports resolved.
        self.real = os.path.realpath(root)
        self.bases = [self.root]
        if self.real != self.root:
            self.bases.append(self.real)
        candidates = {HERE, sys.prefix, sys.exec_prefix, getattr(sys, "base_prefix", sys.prefix), *extra_excluded}
        # An interpreter outside the project excludes nothing; a venv inside it excludes itself.
        self.excluded = [os.path.abspath(p) for p in candidates
                         if p and self._under(os.path.abspath(p)) and os.path.abspath(p) != self.root]
        self.cache = {}

    def _under(self, path):
        return any(path.startswith(base + os.sep) or path == base for base in self.bases)

    def rel(self, filename):
        """'pkg/mod.py' for a project file, None for anything else."""
        if not isinstance(filename, str) or not filename or filename.startswith("<"):
            return None
        known = self.cache.get(filename, False)
        if known is not False:
            return known
        path = os.path.normpath(os.path.join(self.root, filename))
        rel = None
        for base in self.bases:
            if path.startswith(base + os.sep):
                rel = path[len(base) + 1:]
                break
        if rel is not None:
            parts = rel.split(os.sep)
            if ("site-packages" in parts or "dist-packages" in parts
                    or any(path.startswith(e + os.sep) for e in self.excluded)):
                rel = None
            else:
                rel = "/".join(parts)
        self.cache[filename] = rel
        return rel


class CoverageMap:
    """Files of the project each test executed (3.12+): one PY_START per code object per test.

    Each code object reports once and then DISABLEs itself; ``sys.monitoring.restart_events``
    at the start of every test re-arms them all (the tracer does the same for its own tool)."""

    TOOL_IDS = (4, 3, 5)  # 0-2 are the debugger/coverage/profiler slots others (and our tracer) use

    def __init__(self, project):
        self.project = project
        self.files = set()
        self.tool = None
        mon = sys.monitoring
        for tool in self.TOOL_IDS:
            try:
                mon.use_tool_id(tool, "tracefix-coverage")
            except ValueError:
                continue
            self.tool = tool
            break
        if self.tool is None:
            return
        disable = mon.DISABLE
        seen = self.files

        def on_start(code, offset):
            seen.add(code.co_filename)
            return disable

        mon.register_callback(self.tool, mon.events.PY_START, on_start)
        mon.set_events(self.tool, mon.events.PY_START)

    @classmethod
    def create(cls, job, project):
        if not job.get("coverage_map") or not hasattr(sys, "monitoring"):
            return None  # 3.9-3.11: a settrace-based map would cost more than the run itself
        cov = cls(project)
        return cov if cov.tool is not None else None

    def start(self):
        self.files.clear()
        sys.monitoring.restart_events()

    def stop(self):
        # Snapshot first: resolving paths runs Python code, which reports new code objects.
        seen = list(self.files)
        self.files.clear()
        return sorted({rel for rel in map(self.project.rel, seen) if rel})

    def close(self):
        mon = sys.monitoring
        mon.set_events(self.tool, 0)
        mon.register_callback(self.tool, mon.events.PY_START, None)
        mon.free_tool_id(self.tool)


class Watch:
    """What every test of any kind shares: the start record, the tracer, the coverage map."""

    def __init__(self, results, tracer, coverage):
        self.results = results
        self.tracer = tracer
        self.coverage = coverage

    def begin(self, test_id):
        self.results.start(test_id)
        if self.coverage is not None:
            self.coverage.start()
        if self.tracer is not None:
            self.tracer.start_test(test_id)

    def end(self, test):
        """Add the trace and the files to a finished test's record and write it.

        A failure of ours here must not cost the test its outcome (nor pytest its session)."""
        trace = None
        try:
            if self.tracer is not None:
                trace = self.tracer.end_test()
            if self.coverage is not None:
                test["files"] = self.coverage.stop()
        except Exception as exc:
            test["probe_error"] = _exc_text(exc)
        self.results.add(test, trace)


# -- pytest: loading and options ------------------------------------------------------------------

def _version(text):
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def load_pytest(job):
    """(pytest module or None, its version, a one-line problem or "")."""
    try:
        import pytest
    except ImportError:
        # No pytest in the user's environment: tracefix's own copy, without anybody's plugins.
        sys.path.extend(job.get("pytest_fallback", []))
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        try:
            import pytest
        except ImportError as exc:
            version = "%d.%d" % sys.version_info[:2]
            return None, "", ("pytest is not installed for Python " + version + " and tracefix's own copy cannot "
                              "run there (" + _one_line(str(exc), 120) + "); run `pip install pytest` in that "
                              "environment")
        except Exception as exc:
            return None, "", "tracefix's own pytest could not be imported: " + _exc_text(exc)
    except Exception as exc:  # a broken install: say so instead of crashing
        return None, "", "pytest could not be imported: " + _exc_text(exc)
    version = str(getattr(pytest, "__version__", ""))
    if _version(version) < MIN_PYTEST:
        major_minor = ".".join(map(str, _version(version)))
        return None, version, ("pytest %s is too old: tracefix needs pytest %d.%d or newer"
                               % (major_minor, MIN_PYTEST[0], MIN_PYTEST[1]))
    return pytest, version, ""


def _installed(module):
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def base_args(version, root):
    """Our options, all known to ``version``; the project's kept options (job["pytest_args"]) follow."""
    args = ["-q", "-p", "no:cacheprovider", "--color=no", "--tb=no", "-rN", "--rootdir=" + root,
            "--continue-on-collection-errors",
            # The project's raw addopts: the server already sends the ones that keep their meaning.
            "-o", "addopts="]
    # Order and parallelism plugins would reorder or farm out the tests we trace; blocked only
    # when installed so that an unknown name never reaches an older pytest.
    for module, name in (("pytest_randomly", "randomly"), ("xdist", "xdist")):
        if _installed(module):
            args += ["-p", "no:" + name]
    for option, since in OPTION_SINCE.items():
        if _version(version) >= since:
            args.append(option)
    return args + _named_plugins()


def _named_plugins():
    """Plugins loaded by name when autoload is off (the server turns it off on tracefix's own
    interpreter, whose plugins are tracefix's): without pytest-asyncio an async test "fails" with
    "async def functions are not natively supported", which is not the user's bug."""
    if not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") or not _installed("pytest_asyncio"):
        return []
    # The scope setting silences pytest-asyncio's deprecation warning, which would otherwise be
    # the last stderr line users see.
    return ["-p", "pytest_asyncio.plugin", "-o", "asyncio_default_fixture_loop_scope=function"]


def _call_pytest(pytest, args, plugins, project):
    """pytest.main with its report silenced; returns (exit code or None, stdout tail, stderr tail, raised line)."""
    sink = _Tail()
    err = _Tail(passthrough=sys.stderr)
    saved_out, saved_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sink, err
    raised = ""
    code = None
    try:
        code = pytest.main(args, plugins=plugins)
    except BaseException as exc:
        # KeyboardInterrupt or SystemExit from a conftest (loaded before the session, or in
        # pytest_unconfigure after it) leaves pytest.main.
        where = _user_frame(exc.__traceback__, project)
        raised = _exc_text(exc) + " was raised outside any test" + (" (" + where + ")" if where else "")
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
    return code, sink.getvalue(), err.getvalue(), raised


_CONFTEST = re.compile(r"ImportError while loading conftest '(.+?)'")


def session_problem(code, out, err, raised, plugin, project):
    """Why a session ended without running what it was asked to, in one line ("" when it did not)."""
    if raised:
        return raised
    if plugin.interrupted:
        return plugin.interrupted
    if plugin.internal_error:
        return plugin.internal_error
    if plugin.stopped_early:
        return plugin.stopped_early
    conftest = _CONFTEST.search(err)
    if conftest:
        path = project.rel(conftest.group(1)) or os.path.basename(conftest.group(1))
        return "could not import %s: %s" % (path, _error_line(err[conftest.end():]))
    if code is not None and int(code) == 4:
        return "pytest rejected the options: " + _usage_line(err + "\n" + out)
    if code is not None and int(code) == 3:
        return "pytest failed with an internal error: " + _error_line(out + "\n" + err)
    return ""


def _usage_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        match = re.search(r"\berror: (.*)", line)
        if match and not line.startswith("ERROR: usage"):
            return match.group(1)[:MESSAGE_CHARS]
    for line in lines:
        if line.startswith("ERROR: ") and not line.startswith("ERROR: usage"):
            return line[len("ERROR: "):][:MESSAGE_CHARS]
    return (lines[-1] if lines else "usage error")[:MESSAGE_CHARS]


class _StoppedInTest(Exception):
    """Stands in for a KeyboardInterrupt a test raised, so pytest reports it and goes on."""

    def __init__(self, original):
        super().__init__(_exc_text(original) + " was raised in the test")
        self.original = original


def _contain(outcome):
    """Turn a KeyboardInterrupt in a hook's outcome into an ordinary test failure.

    pluggy >= 1.1 has ``force_exception``; 0.13 and 1.0 (frozen releases) keep it in ``_excinfo``."""
    excinfo = outcome.excinfo
    if excinfo is None or not isinstance(excinfo[1], KeyboardInterrupt):
        return
    replacement = _StoppedInTest(excinfo[1]).with_traceback(excinfo[2])
    force = getattr(outcome, "force_exception", None)
    if force is not None:
        force(replacement)
    else:
        outcome._excinfo = (type(replacement), replacement, excinfo[2])


def _collect_guard(pytest):
    """pytest >= 8 re-raises SystemExit/KeyboardInterrupt from importing a test module, which ends
    the whole session; we make it that file's collection error instead, as pytest 6 and 7 did."""
    report_class = getattr(pytest, "CollectReport", None)
    if report_class is None:
        from _pytest.reports import CollectReport as report_class

    class CollectGuard:
        @pytest.hookimpl(hookwrapper=True, tryfirst=True)
        def pytest_make_collect_report(self, collector):
            outcome = yield
            excinfo = outcome.excinfo
            if excinfo is not None and isinstance(excinfo[1], (SystemExit, KeyboardInterrupt)):
                outcome.force_result(report_class(collector.nodeid, "failed", _exc_text(excinfo[1]), []))

    return CollectGuard()


def _guard_plugin(pytest, arm):
    """Hookwrappers (old style: pluggy 0.13 and 1.x both run them) around each test phase."""

    class Guard:
        @pytest.hookimpl(hookwrapper=True, tryfirst=True)
        def pytest_runtest_setup(self, item):
            _contain((yield))

        @pytest.hookimpl(hookwrapper=True, tryfirst=True)
        def pytest_runtest_call(self, item):
            _contain((yield))

        @pytest.hookimpl(hookwrapper=True, tryfirst=True)
        def pytest_runtest_teardown(self, item):
            _contain((yield))

    class ArmDuringCall:
        # Under sys.settrace every call pytest makes would reach our trace function: armed
        # only while a test body runs.
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item):
            disarm = arm()
            try:
                yield
            finally:
                disarm()

    return [Guard(), _collect_guard(pytest)] + ([ArmDuringCall()] if arm is not None else [])


# -- pytest: shared session bookkeeping -----------------------------------------------------------

class SessionPlugin:
    """Collection errors, interruptions and internal errors, in both modes."""

    def __init__(self, job, project):
        self.job = job
        self.target = job["target"]
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
            self.stopped_early = "the session stopped early: " + _one_line(reason, 300)

    def pytest_exception_interact(self, node, call, report):
        if getattr(report, "when", None) == "collect" and call.excinfo is not None:
            self._collect_exc[getattr(node, "nodeid", "")] = call.excinfo.value

    def pytest_collectreport(self, report):
        if report.failed:
            exc = self._collect_exc.pop(report.nodeid, None)
            self.collect_errors.append((report.nodeid, self._collect_file(report, exc),
                                        _collect_problem(exc, report)[:MESSAGE_CHARS]))
        elif report.skipped:
            self.collect_skips.append((report.nodeid, _skip_reason(report)))

    def _collect_file(self, report, exc):
        path = getattr(exc, "path", None) or getattr(exc, "fspath", None)
        if path is not None and type(exc).__name__ == "ConftestImportFailure":
            return self.project.rel(str(path)) or str(path)
        return report.nodeid.split("::")[0]

    def pytest_keyboard_interrupt(self, excinfo):
        # pytest.exit() anywhere, or a KeyboardInterrupt outside a test's own phases.
        exc = excinfo.value
        if type(exc).__name__ == "Exit":
            text = "pytest.exit() stopped the session: " + _one_line(getattr(exc, "msg", "") or _safe_str(exc), 300)
        else:
            text = _exc_text(exc) + " stopped the pytest session"
        where = _user_frame(excinfo.tb, self.project)
        self.interrupted = (text + (" (" + where + ")" if where else ""))[:MESSAGE_CHARS]

    def pytest_internalerror(self, excrepr, excinfo):
        exc = excinfo.value
        line = _exc_line(excinfo.tb, self.target)
        frame = _user_frame(excinfo.tb, self.project)
        where = " at line %d" % line if line else (" in " + frame if frame else "")
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            # sys.exit() while pytest imports a test module can surface here, not as a collection error.
            text = "the tests could not be imported: %s was raised%s" % (_exc_text(exc), where)
        else:
            text = "pytest failed with an internal error: %s%s" % (_exc_text(exc), where)
        self.internal_error = text[:MESSAGE_CHARS]


# -- pytest: run mode -----------------------------------------------------------------------------

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

    def pytest_deselected(self, items):
        if not self._ours:
            self.deselected.extend(item.nodeid for item in items)

    # one test
    def pytest_runtest_logstart(self, nodeid, location):
        self.current = nodeid
        self.comparison = None
        self.started = time.perf_counter()
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
        original = value.original if isinstance(value, _StoppedInTest) else value
        if self.exc is None:
            self.exc = original
        if self.stopped is None and isinstance(original, (KeyboardInterrupt, SystemExit)):
            self.stopped = (original, call.when)

    def pytest_runtest_logreport(self, report):
        if report.nodeid != self.current or report.outcome == "rerun":
            return  # pytest-rerunfailures logs a "rerun" and runs the phases again
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
            message = "%s was raised during %s" % (_exc_text(exc), phase)
        elif outcome in ("failed", "error"):
            message = _summary(report, self.exc)
        elif outcome == "skipped":
            message = _skip_reason(report)
        test = {"id": self.current, "outcome": outcome, "message": message[:MESSAGE_CHARS],
                "duration_ms": (time.perf_counter() - self.started) * 1000,
                "exception": _exc_info(self.exc, self.target) if outcome in ("failed", "error") else None,
                "comparison": self.comparison if outcome == "failed" else None}
        self.reported.append(self.current)
        self.current = None
        self.watch.end(test)

    # after the session
    def close_unfinished(self, reason):
        """The test that was running when the session stopped (pytest.exit, an internal error)."""
        if self.current is None:
            return
        test = {"id": self.current, "outcome": "error",
                "message": _one_line("the test did not finish: " + (reason or "the pytest session stopped")),
                "duration_ms": (time.perf_counter() - self.started) * 1000,
                "exception": _exc_info(self.exc, self.target), "comparison": None}
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
    requested = [t["id"] for t in job["tests"] if t["kind"] == "pytest"]
    if not requested:
        return
    pytest, version, problem = load_pytest(job)
    results.record({"pytest": version, "pytest_problem": problem} if problem else {"pytest": version})
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
    args = base_args(version, project.real) + list(job.get("pytest_args", [])) + files
    code, out, err, raised = _call_pytest(pytest, args, [plugin] + _guard_plugin(pytest, arm), project)
    problem = session_problem(code, out, err, raised, plugin, project)
    plugin.close_unfinished(problem)
    for test_id, outcome, message in plugin.missing(wanted, problem, code):
        results.error(test_id, message, outcome)


# -- pytest: collect mode -------------------------------------------------------------------------

class CollectPlugin(SessionPlugin):
    def __init__(self, job, project, results):
        super().__init__(job, project)
        self.results = results

    def pytest_collection_finish(self, session):
        records = []
        by_module = {}
        for item in session.items:
            path = self._item_path(item)
            location = getattr(item, "location", None) or ("", None, "")
            line = location[1] + 1 if isinstance(location[1], int) else 0
            records.append({"collected": {"id": item.nodeid, "file": path, "line": line, "kind": "pytest"}})
            module = self._module_of(item)
            if module is not None:
                entry = by_module.setdefault(id(module), (path, module, []))
                entry[2].append(item)
        self.results.records(records)
        reach = Reach(self.project)
        self.results.records([{"reach": reach.of_test_module(path, module, items)}
                              for path, module, items in by_module.values()])
        self.results.record({"doc_module": doc_module(self.job)})

    def _item_path(self, item):
        path = getattr(item, "path", None) or getattr(item, "fspath", None)
        if path is not None:
            rel = os.path.relpath(os.path.abspath(str(path)), self.project.real)
            return rel.replace(os.sep, "/")
        return item.nodeid.split("::", 1)[0]

    @staticmethod
    def _module_of(item):
        """The imported test module of a Python test item (not doctest items: no second import)."""
        import pytest

        if not isinstance(item, pytest.Function):
            return None
        parent = item.getparent(pytest.Module)
        try:
            module = parent.obj if parent is not None else None
        except Exception:
            return None
        return module if issubclass(type(module), types.ModuleType) else None

    def report_errors(self, problem):
        records = [{"collect_error": {"file": file, "message": line}} for _, file, line in self.collect_errors]
        if problem and not self.collect_errors:
            file, message = "", problem  # "" : the whole session, not one file
            if problem.startswith("could not import "):
                file, _, message = problem[len("could not import "):].partition(": ")
            records.append({"collect_error": {"file": file, "message": message}})
        self.results.records(records)


_MODULE_DICT = types.ModuleType.__dict__["__dict__"]
_TYPE_DICT = type.__dict__["__dict__"]


class Reach:
    """Project modules a test module can reach through what its globals refer to.

    Everything is read raw (module and class ``__dict__`` through their C descriptors, a
    function's ``__globals__``, ``type()``), so no user ``__getattr__``, property or metaclass
    hook runs. Modules are told apart by their file, not their name: every conftest.py is
    "conftest". A package reached only because one of its modules was imported (its
    __init__.py ran) is not followed into the other submodules the import system hung on it;
    a package the code refers to itself (``import pkg.mod`` binds ``pkg``) is. Edges are
    cached across the test modules of one collection."""

    def __init__(self, project):
        self.project = project
        self.namespaces = {}  # project file -> its module's namespace
        self.edges = {}  # (project file, followed fully) -> {(project file, follow fully)}

    def _file(self, namespace):
        rel = self.project.rel(namespace.get("__file__")) if namespace is not None else None
        if rel:
            self.namespaces.setdefault(rel, namespace)
        return rel

    def of_test_module(self, path, module, items):
        start = self._file(_namespace(module))
        seeds = [start] + [self._file(ns) for item in items for ns in _fixture_namespaces(item)]
        seen, full = set(), set()
        queue = [(s, True) for s in seeds if s]
        while queue and len(seen) < REACH_MAX_MODULES:
            file, follow = queue.pop()
            if file in full or (file in seen and not follow):
                continue
            seen.add(file)
            if follow:
                full.add(file)
            queue.extend(self._neighbours(file, follow))
        seen.discard(start)
        names = {self.namespaces[f].get("__name__") for f in seen}
        return {"file": path, "modules": sorted(n for n in names if isinstance(n, str)), "files": sorted(seen)}

    def _neighbours(self, file, follow):
        cached = self.edges.get((file, follow))
        if cached is not None:
            return cached
        namespace = self.namespaces[file]
        name = namespace.get("__name__")
        name = name if isinstance(name, str) else ""
        out = set()
        for i, value in enumerate(list(namespace.values())):
            if i >= REACH_MAX_GLOBALS:
                break
            target_ns = _namespace_of(value)
            if not follow and issubclass(type(value), types.ModuleType) and str(
                    (target_ns or {}).get("__name__")).startswith(name + "."):
                continue  # a submodule the import system set on its package
            out.add((self._file(target_ns), True))
        # Importing pkg.mod ran pkg/__init__.py: the parent packages are reached too.
        parts = name.split(".") if name else []
        for i in range(1, len(parts)):
            out.add((self._file(_module_namespace(".".join(parts[:i]))), False))
        out = {(f, how) for f, how in out if f and f != file}
        self.edges[(file, follow)] = out
        return out


def _namespace(module):
    try:
        return _MODULE_DICT.__get__(module)
    except Exception:
        return None


def _module_namespace(name):
    module = sys.modules.get(name) if isinstance(name, str) else None
    # issubclass on type(): isinstance would consult a user-defined __class__.
    return _namespace(module) if issubclass(type(module), types.ModuleType) else None


def _namespace_of(value):
    """The namespace of the module a global stands for: itself, or where its function, class or
    instance's class was defined."""
    kind = type(value)
    if issubclass(kind, types.ModuleType):
        return _namespace(value)
    if kind is types.FunctionType:
        return value.__globals__
    if kind is types.MethodType:
        return _namespace_of(value.__func__)
    cls = value if issubclass(kind, type) else kind
    try:
        return _module_namespace(_TYPE_DICT.__get__(cls).get("__module__"))
    except Exception:
        return None


def _fixture_namespaces(item):
    """Namespaces of the modules defining the fixtures an item uses (conftest.py and the like)."""
    out = []
    info = getattr(item, "_fixtureinfo", None)
    for defs in getattr(info, "name2fixturedefs", {}).values():
        for fixturedef in defs or ():
            func = getattr(fixturedef, "func", None)
            if func is not None:
                out.append(_namespace_of(func))
    return out


def doc_module(job):
    """Where the document's dotted name resolves in this environment, as the tests would import it."""
    import importlib

    name = job.get("module") or os.path.splitext(os.path.basename(job["target"]))[0]
    try:
        module = importlib.import_module(name)
    except BaseException as exc:  # its import is user code: anything may come out of it
        return {"name": name, "file": "", "error": _exc_text(exc)[:MESSAGE_CHARS]}
    file = (_namespace(module) or {}).get("__file__")
    return {"name": name, "file": os.path.abspath(file) if isinstance(file, str) else "", "error": ""}


def collect_pytest(job, results, project):
    pytest, version, problem = load_pytest(job)
    results.record({"pytest": version, "pytest_problem": problem} if problem else {"pytest": version})
    if pytest is None:
        return
    paths = list(job.get("collect_paths") or [])
    present = [p for p in paths if os.path.exists(os.path.join(project.real, p))]
    results.records([{"collect_error": {"file": p.replace(os.sep, "/"), "message": "file or folder not found"}}
                     for p in paths if p not in present])
    if paths and not present:
        return
    plugin = CollectPlugin(job, project, results)
    args = (base_args(version, project.real) + ["--collect-only"] + list(job.get("pytest_args", []))
            + [os.path.join(project.real, p) for p in present])
    code, out, err, raised = _call_pytest(pytest, args, [plugin, _collect_guard(pytest)], project)
    plugin.report_errors(session_problem(code, out, err, raised, plugin, project))


# -- doctests and scripts -------------------------------------------------------------------------

def _import_root(name, target):
    """The folder from which ``name`` imports as the file ``target``, or None if they disagree."""
    parts = name.split(".")
    path = os.path.abspath(target)
    folder, file = os.path.split(path)
    if file == "__init__.py":
        tail = parts
    else:
        if os.path.splitext(file)[0] != parts[-1]:
            return None
        tail = parts[:-1]
    for part in reversed(tail):
        folder, last = os.path.split(folder)
        if last != part:
            return None
    return folder


def run_doctests(job, watch):
    import doctest
    import importlib

    wanted = [t for t in job["tests"] if t["kind"] == "doctest"]
    if not wanted:
        return
    name = job.get("module") or os.path.splitext(os.path.basename(job["target"]))[0]
    base = _import_root(name, job["target"])
    if base is not None and base not in sys.path:
        # Import as package.module (relative imports work) and from the document's own tree.
        sys.path.insert(0, base)
    try:
        module = importlib.import_module(name)
    except BaseException as exc:  # the module itself fails to import
        for t in wanted:
            watch.results.add({"id": t["id"], "outcome": "error", "message": "import failed: " + _exc_text(exc),
                               "exception": _exc_info(exc, job["target"])})
        return
    by_name = {}
    for test in doctest.DocTestFinder().find(module):
        if not test.examples:
            continue
        if test.name == module.__name__:  # the module's own docstring
            for alias in (module.__name__, name.rsplit(".", 1)[-1]):
                by_name["doctest:" + alias] = test
        else:
            by_name["doctest:" + test.name[len(module.__name__) + 1:]] = test
    for t in wanted:
        test = by_name.get(t["id"])
        if test is None:
            watch.results.error(t["id"], "doctest not found")
            continue
        _run_one_doctest(doctest, t["id"], test, job["target"], watch)


def _run_one_doctest(doctest, test_id, test, target, watch):
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    exc_seen = []
    original = runner.report_unexpected_exception

    def report_unexpected(out_, test_, example, exc_info, _orig=original):
        exc_seen.append(exc_info[1])
        return _orig(out_, test_, example, exc_info)

    runner.report_unexpected_exception = report_unexpected
    watch.begin(test_id)
    started = time.perf_counter()
    saved = sys.stdout
    stopped = None
    try:
        res = runner.run(test, out=out.write, clear_globs=True)
    except KeyboardInterrupt as exc:  # doctest lets it through; it ends this doctest only
        stopped = exc
    finally:
        sys.stdout = saved
    exc = stopped or (exc_seen[0] if exc_seen else None)
    if stopped is not None:
        outcome, message = "error", _exc_text(stopped) + " was raised in the doctest"
    elif res.failed:
        outcome, message = "failed", _doctest_message(out.getvalue())
    else:
        outcome, message = "passed", ""
    watch.end({"id": test_id, "outcome": outcome, "message": message,
               "duration_ms": (time.perf_counter() - started) * 1000,
               "exception": _exc_info(exc, target) if exc is not None else None, "comparison": None})


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


def run_script(job, watch):
    import runpy

    wanted = [t for t in job["tests"] if t["kind"] == "script"]
    if not wanted:
        return
    t = wanted[0]
    watch.begin(t["id"])
    started = time.perf_counter()
    exc = None
    saved_argv = sys.argv
    sys.argv = [job["target"]]
    try:
        runpy.run_path(job["target"], run_name="__main__")
        outcome = "passed"
    except SystemExit as e:
        # A script's exit status is its verdict.
        outcome = "passed" if e.code in (None, 0) else "failed"
        if outcome == "failed":
            exc = e
    except KeyboardInterrupt as e:
        outcome, exc = "error", e
    except BaseException as e:
        outcome, exc = "failed", e
    finally:
        sys.argv = saved_argv
    message = ""
    if exc is not None:
        message = (type(exc).__name__ + ": " + _safe_str(exc)).strip().rstrip(":")[:300]
    watch.end({"id": t["id"], "outcome": outcome, "message": message,
               "duration_ms": (time.perf_counter() - started) * 1000,
               "exception": _exc_info(exc, job["target"]), "comparison": None})


# -- entry points ---------------------------------------------------------------------------------

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


def _enter_fallback(job):
    """Without the jail, the fallback's protections (probe/fallback.py: Landlock, the buffer's
    import hook) are entered before any user code; names of the active ones, or None."""
    spec = job.get("fallback")
    if not spec or not os.path.exists(os.path.join(HERE, "fallback.py")):
        return None
    try:
        return _load_private("_tracefix_fallback", "fallback.py").enter(spec)
    except Exception:  # fallback.enter never raises; loading it might: the run goes on without it
        return []


def _tracer(job):
    """(tracer, uninstall, arm, backend name) for a run job."""
    if job.get("mode", "run") != "run" or not job.get("trace", True):
        return None, None, None, "none"
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
        return tracer, None, (lambda: tracer_mod.install(tracer, "settrace")[0]), backend
    uninstall, backend = tracer_mod.install(tracer, wanted)
    return tracer, uninstall, None, backend


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        job = json.load(f)
    execute(job)


def execute(job):
    """Run one job in this (fresh or freshly forked) process, then exit it."""
    apply_limits(job.get("limits", {}))
    protections = _enter_fallback(job)
    result_path = os.path.abspath(job["result"])
    root = job.get("cwd") or job.get("root") or os.getcwd()
    os.chdir(root)
    sys.path[:0] = job.get("sys_path", [])
    # Keep our own module out of the user's namespace: we are imported by path only.
    sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    project = Project(job.get("root") or root, job.get("pytest_fallback", []))
    tracer, uninstall, arm, backend = _tracer(job)
    results = Results(result_path, backend, protections)
    coverage = CoverageMap.create(job, project) if job.get("mode", "run") == "run" else None
    watch = Watch(results, tracer, coverage)
    crash = None
    try:
        if job.get("mode", "run") == "collect":
            collect_pytest(job, results, project)
        else:
            run_pytest(job, results, watch, project, arm)
            if arm is not None:
                uninstall = arm()
            run_doctests(job, watch)
            run_script(job, watch)
    except BaseException:
        crash = traceback.format_exc()[-2000:]
    finally:
        if uninstall is not None:
            uninstall()
        if coverage is not None:
            coverage.close()
    results.finish(crash)
    sys.stdout.flush()
    # Threads the user left running must not keep the child alive past its results.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
