"""The server <-> probe contract: the job, the result records, the fork server's verbs, the trace budgets.

Loaded by path on both sides: by the probe (runner.py's ``load_private``) inside the user's
interpreter (CPython 3.9-3.14, without tracefix installed, possibly under ``-I -S``), and by
the server (``tracefix.contract``). So: no imports, nothing newer than 3.8's syntax, names and
plain data only, plus the one rule both sides must apply alike (which tracer backend a job gets).

``VERSION`` changes with any name or meaning below. The probe writes it in its first record
(the header); the server refuses a result of another version with one error
(``version_problem``) instead of misreading it.
"""

VERSION = 4


class Job:
    """Keys of the job: a JSON object the server writes and the probe reads."""

    MODE = "mode"  # MODE_RUN | MODE_COLLECT | MODE_COMPILE
    TARGET = "target"  # the document's real path
    MODULE = "module"  # its dotted module name ("" when not importable by name)
    ROOT = "root"  # the project root: the child's working directory
    CWD = "cwd"  # an older job's working directory (read for compatibility, never written)
    SYS_PATH = "sys_path"  # the project's import roots, put first on sys.path
    TESTS = "tests"  # [{TEST_ID, TEST_KIND}]
    TEST_ID = "id"
    TEST_KIND = "kind"  # KIND_PYTEST | KIND_DOCTEST | KIND_SCRIPT
    PYTEST_ARGS = "pytest_args"  # the project's kept pytest options
    PYTEST_FALLBACK = "pytest_fallback"  # folders of tracefix's own pytest, for interpreters without one
    COLLECT_PATHS = "collect_paths"  # collect mode: files and folders to collect
    TRACE = "trace"  # run mode: trace the tests (else they run untraced)
    COVERAGE_MAP = "coverage_map"  # record the project files each test executed (3.12+)
    LEADERS = "leaders"  # {"line": block id}: the lines whose execution enters a block
    LINES = "lines"  # {"line": block id}: every line's innermost block (to resume generators mid-block)
    NAMES = "names"  # {block id: [name]}: the locals a visit of the block renders (absent: all of them)
    BUDGETS = "budgets"  # {Budget.*: value}; absent keys take Budget.DEFAULTS
    BACKEND = "backend"  # BACKEND_AUTO | BACKEND_MONITORING | BACKEND_SETTRACE
    RESULT = "result"  # where the result records go
    LIMITS = "limits"  # {LIMIT_*: value}: rlimits
    FALLBACK = "fallback"  # without the jail: what probe/fallback.py sets up
    # Compile mode (probe/bytecode.py): {"root", "dest", "rewrite": [paths], "modules": [paths],
    # "racy_s": seconds}: the pycs of those files, written under dest; no user code runs.
    COMPILE = "compile"
    # Fork-server jobs only: the child's own output files, extra environment and jail spec.
    STDOUT = "stdout"
    STDERR = "stderr"
    ENV = "env"
    JAIL = "jail"


MODE_RUN, MODE_COLLECT, MODE_COMPILE = "run", "collect", "compile"
KIND_PYTEST, KIND_DOCTEST, KIND_SCRIPT = "pytest", "doctest", "script"
LIMIT_CPU, LIMIT_MEMORY, LIMIT_FILE, LIMIT_FILES, LIMIT_PROCESSES = (
    "cpu_seconds", "memory_bytes", "file_bytes", "open_files", "processes")


class Rec:
    """Result records: one JSON object per line; the key a record carries names its kind."""

    # Header, always the first record: {CONTRACT: VERSION, PYTHON, BACKEND, BACKEND_REASON[, FALLBACK]}.
    CONTRACT = "contract"
    PYTHON = "python"
    BACKEND = "backend"  # the backend in use: TRACER_MONITORING | TRACER_SETTRACE | TRACER_NONE
    BACKEND_REASON = "backend_reason"  # why that one, in a few words
    FALLBACK = "fallback"  # names of the no-jail protections the child could set up
    PYTEST = "pytest"  # {PYTEST: version[, PYTEST_PROBLEM: one line]}
    PYTEST_PROBLEM = "pytest_problem"
    PLANNED = "planned"  # [node id]: every test pytest will run, before any runs
    START = "start"  # node id of the test about to run
    TEST = "test"  # {TEST: {Result.*}, TRACE: {Trace.*} | None}: a finished test
    TRACE = "trace"
    COLLECTED = "collected"  # collect mode: {id, file, line, kind}
    COLLECT_ERROR = "collect_error"  # {file, message}
    REACH = "reach"  # {file, modules, files}
    DOC_MODULE = "doc_module"
    COMPILED = "compiled"  # compile mode: {"written", "failed", "skipped"} counts
    DONE = "done"  # last record: {DONE: true, CRASH: traceback tail | None}
    CRASH = "crash"


class Result:
    """Fields of a finished test (``Rec.TEST``)."""

    ID = "id"
    OUTCOME = "outcome"  # passed | failed | error | skipped
    MESSAGE = "message"
    DURATION_MS = "duration_ms"
    EXCEPTION = "exception"  # {type, message, line} of the exception that escaped, or None
    COMPARISON = "comparison"  # {op, left, right} of a failing assertion that compared
    FILES = "files"  # project files it executed (coverage map)
    PROBE_ERROR = "probe_error"  # a failure of the probe's own while recording it
    LINE = "line"


class Trace:
    """Fields of one test's trace (``Rec.TRACE``) and of each visit in it."""

    VISITS = "visits"  # [[block id, visit]] in execution order
    SPECTRUM = "spectrum"  # every block executed, complete even where visits were cut
    SKIPPED = "skipped"  # {block id: visits not recorded (loop sampling and budgets)}
    TRUNCATED = "truncated"  # [Cut.*]: the per-test budgets this test reached; [] = nothing cut
    # A visit:
    ITERATION = "iteration"
    CALL = "call"
    DEPTH = "depth"
    BEFORE = "before"
    AFTER = "after"
    RETURNED = "returned"
    RAISED = "raised"


class Cut:
    """Why a test's trace is incomplete (``Trace.TRUNCATED``)."""

    VISITS = "visits"  # Budget.MAX_VISITS recorded visits
    CHARS = "chars"  # Budget.MAX_CHARS characters of values
    CALLS = "calls"  # Budget.CALLS_PER_CODE calls of one function: later calls ran untraced
    TESTS = "tests"  # Budget.TESTS_PER_CODE earlier tests recorded a function's values: only its blocks were seen
    HOT_LINE = "hot_line"  # Budget.HOT_LINE events of one leader: it stopped reporting
    RECURSION = "recursion"  # the tracer hit the recursion limit and dropped an event


class Budget:
    """Keys of the job's budgets. All but LOOP_LEADERS, TESTS_PER_CODE and the per-value ones start afresh
    with every test."""

    LOOP_LEADERS = "loop_leaders"  # leader lines of for/while headers: blocks that may follow themselves
    FIRST_K = "first_k"  # visits of a block kept in full per call
    LAST_K = "last_k"  # and the last ones, kept in a ring
    MAX_VISITS = "max_visits_per_test"
    MAX_CHARS = "max_chars_per_test"
    MAX_NAMES = "max_names"  # names per snapshot
    HOT_LINE = "hot_line"  # settrace: leader events per frame; sys.monitoring: per leader line, per test
    CALLS_PER_CODE = "calls_per_code"  # traced calls of one function per test
    TESTS_PER_CODE = "tests_per_code"  # tests of a run that record a function's values (0: every test)
    REPR_CHARS = "repr_chars"  # characters per rendered value
    DEFAULTS = {FIRST_K: 5, LAST_K: 5, MAX_VISITS: 1500, MAX_CHARS: 1000000, MAX_NAMES: 24, HOT_LINE: 3000,
                CALLS_PER_CODE: 50, TESTS_PER_CODE: 32, REPR_CHARS: 96}


# The backend a job asks for, and the one a run reports.
BACKEND_AUTO, BACKEND_MONITORING, BACKEND_SETTRACE = "auto", "monitoring", "settrace"
TRACER_MONITORING, TRACER_SETTRACE, TRACER_NONE = "sys.monitoring", "sys.settrace", "none"


def choose_backend(wanted, version_info, monitoring_free=True):
    """(backend, reason): the one rule for which tracer a job gets, applied once by the probe
    (and by ``tracefix doctor`` to say what a run would use). ``monitoring_free``: a
    sys.monitoring tool id is free (a debugger or coverage tool may hold them all)."""
    has_monitoring = tuple(version_info[:2]) >= (3, 12)
    if wanted == BACKEND_SETTRACE:
        return TRACER_SETTRACE, "settrace asked for by the job"
    if not has_monitoring:
        return TRACER_SETTRACE, "Python %d.%d has no sys.monitoring (3.12+)" % tuple(version_info[:2])
    if not monitoring_free:
        return TRACER_SETTRACE, "every sys.monitoring tool id is taken (a debugger or coverage tool?)"
    if wanted == BACKEND_MONITORING:
        return TRACER_MONITORING, "sys.monitoring asked for by the job"
    return TRACER_MONITORING, "Python %d.%d has sys.monitoring" % tuple(version_info[:2])


def version_problem(header):
    """"" when the first result record speaks this VERSION, else the one error the server reports."""
    found = header.get(Rec.CONTRACT) if isinstance(header, dict) else None
    if found == VERSION:
        return ""
    return ("the test probe speaks contract version %s but this tracefix server needs %d: its probe files are "
            "from another tracefix version (reinstall tracefix, then restart the server)" % (found, VERSION))


# The fork server's protocol (probe/forkserver.py <-> tracefix.workers): one line each, words split by spaces.
class Verb:
    READY = "ready"  # fork server -> server: "ready <python version>"
    RUN = "run"  # server -> fork server: "run <job file>"
    STARTED = "started"  # "started <job file> <pid>"
    KILL = "kill"  # "kill <pid>": end a running job's process group
    EXITED = "exited"  # "exited <pid> <wait status>"
