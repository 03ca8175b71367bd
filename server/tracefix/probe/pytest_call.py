"""Calling the project's pytest: which pytest, with which options, its report kept out of sight,
and the guards that keep a test's KeyboardInterrupt or SystemExit from ending the session.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
The project's own pytest runs with its plugins (autoload on), conftest chain and ini options;
tracefix's pure-Python copy (``job["pytest_fallback"]``) is used only when the interpreter has
no pytest, and then without plugin autoload.
"""
from __future__ import annotations

import io
import os
import re
import sys

from _tracefix_contract import Job, Rec
from _tracefix_outcomes import exc_text, one_line, user_frame

MIN_PYTEST = (6, 2)
# Options we pass that older pytest versions reject as unknown (a usage error would lose the run).
OPTION_SINCE = {"--no-header": (6, 0)}
STREAM_TAIL_CHARS = 64 * 1024  # what we keep of pytest's own report: enough for its last lines


# -- which pytest, which options ------------------------------------------------------------------

def _version(text):
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def load_pytest(job):
    """(pytest module or None, its version, a one-line problem or "")."""
    try:
        import pytest
    except ImportError:
        # No pytest in the user's environment: tracefix's own copy, without anybody's plugins.
        sys.path.extend(job.get(Job.PYTEST_FALLBACK, []))
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        try:
            import pytest
        except ImportError as exc:
            version = "%d.%d" % sys.version_info[:2]
            return None, "", ("pytest is not installed for Python " + version + " and tracefix's own copy cannot "
                              "run there (" + one_line(str(exc), 120) + "); run `pip install pytest` in that "
                              "environment")
        except Exception as exc:
            return None, "", "tracefix's own pytest could not be imported: " + exc_text(exc)
    except Exception as exc:  # a broken install: say so instead of crashing
        return None, "", "pytest could not be imported: " + exc_text(exc)
    version = str(getattr(pytest, "__version__", ""))
    if _version(version) < MIN_PYTEST:
        major_minor = ".".join(map(str, _version(version)))
        return None, version, ("pytest %s is too old: tracefix needs pytest %d.%d or newer"
                               % (major_minor, MIN_PYTEST[0], MIN_PYTEST[1]))
    return pytest, version, ""


def load_pytest_recorded(job, results):
    """:func:`load_pytest`, its version (and problem) written first: the server reports both."""
    pytest, version, problem = load_pytest(job)
    results.record({Rec.PYTEST: version, Rec.PYTEST_PROBLEM: problem} if problem else {Rec.PYTEST: version})
    return pytest, version, problem


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


# -- the call -------------------------------------------------------------------------------------

class Tail(io.TextIOBase):
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


def call_pytest(pytest, args, plugins, project):
    """pytest.main with its report silenced; returns (exit code or None, stdout tail, stderr tail, raised line)."""
    sink = Tail()
    err = Tail(passthrough=sys.stderr)
    saved_out, saved_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sink, err
    raised = ""
    code = None
    try:
        code = pytest.main(args, plugins=plugins)
    except BaseException as exc:
        # KeyboardInterrupt or SystemExit from a conftest (loaded before the session, or in
        # pytest_unconfigure after it) leaves pytest.main.
        where = user_frame(exc.__traceback__, project)
        raised = exc_text(exc) + " was raised outside any test" + (" (" + where + ")" if where else "")
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
    return code, sink.getvalue(), err.getvalue(), raised


# -- guards ---------------------------------------------------------------------------------------

class StoppedInTest(Exception):
    """Stands in for a KeyboardInterrupt a test raised, so pytest reports it and goes on."""

    def __init__(self, original):
        super().__init__(exc_text(original) + " was raised in the test")
        self.original = original


def _contain(outcome):
    """Turn a KeyboardInterrupt in a hook's outcome into an ordinary test failure.

    pluggy >= 1.1 has ``force_exception``; 0.13 and 1.0 (frozen releases) keep it in ``_excinfo``."""
    excinfo = outcome.excinfo
    if excinfo is None or not isinstance(excinfo[1], KeyboardInterrupt):
        return
    replacement = StoppedInTest(excinfo[1]).with_traceback(excinfo[2])
    force = getattr(outcome, "force_exception", None)
    if force is not None:
        force(replacement)
    else:
        outcome._excinfo = (type(replacement), replacement, excinfo[2])


def collect_guard(pytest):
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
                outcome.force_result(report_class(collector.nodeid, "failed", exc_text(excinfo[1]), []))

    return CollectGuard()


def guard_plugins(pytest, arm):
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

    return [Guard(), collect_guard(pytest)] + ([ArmDuringCall()] if arm is not None else [])
