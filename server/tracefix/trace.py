"""Run a document's tests in a sandboxed child and read back block-level traces (DESIGN.md §1 step 3).

The editor's text runs, not the file on disk: the document's folder is mirrored
into a scratch directory (Python files only, bounded) with the buffer written in
place of the document, so sibling tests that import it see the unsaved text.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from importlib import metadata

from tracefix import sandbox, warm
from tracefix.config import Settings
from tracefix.model import RunResult, Segmentation, TestCase, TestResult, Visit

PROBE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe")
MIRROR_MAX_FILES = 400
MIRROR_MAX_BYTES = 2_000_000
FILE_LIMIT_BYTES = 64 * 1024 * 1024  # per file the child writes, its captured output included
CONFIG_FILES = ("conftest.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")


def run_tests(path: str, text: str, seg: Segmentation, tests: list[TestCase], settings: Settings,
              python: str | None = None, cancel: threading.Event | None = None, trace: bool = True,
              budgets: dict | None = None, backend: str = "auto") -> RunResult:
    """Run ``tests`` against ``text`` (the document at ``path``) in a child; never raises for user-code problems."""
    python = python or sys.executable
    scratch = tempfile.mkdtemp(prefix="tracefix-")
    try:
        doc_dir, target = _mirror(path, text, scratch)
        home = os.path.join(scratch, "home")
        os.makedirs(home)
        result_file = os.path.join(scratch, "result.json")
        job = {
            "target": target,
            "module": os.path.splitext(os.path.basename(path))[0],
            "cwd": doc_dir,
            "sys_path": [doc_dir, *_import_roots(path, scratch)],
            "tests": [{"id": t.id, "kind": t.kind} for t in tests],
            "trace": trace,
            "leaders": {str(b.leader_line): b.id for b in seg.blocks if b.leader_line},
            "lines": {str(line): block for line, block in seg.line_map().items()},
            "budgets": {"loop_leaders": [b.leader_line for b in seg.blocks if b.kind in ("for", "while")],
                        **(budgets or {})},
            "backend": backend,
            "result": result_file,
            "pytest_fallback": pytest_fallback_paths(),
            "pytest_autoload": os.path.realpath(python) != os.path.realpath(sys.executable),
            "limits": {
                "cpu_seconds": int(settings.timeout) + 5,
                "memory_bytes": settings.memory_mb * 1024 * 1024,
                "file_bytes": FILE_LIMIT_BYTES,
                "open_files": 1024,
                "processes": 256,
            },
        }
        job_file = os.path.join(scratch, "job.json")
        child = None
        if settings.warm:
            child = _run_warm(job, job_file, scratch, home, python, settings, cancel)
        if child is None:
            with open(job_file, "w", encoding="utf-8") as f:
                json.dump(job, f)
            child = sandbox.run([python, "-X", "utf8", os.path.join(PROBE_DIR, "runner.py"), job_file],
                                cwd=doc_dir, home=home, timeout=settings.timeout,
                                output_bytes=settings.output_bytes, network=settings.network, cancel=cancel)
        return _read_result(result_file, child, tests, seg, target, path, scratch, settings)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_warm(job: dict, job_file: str, scratch: str, home: str, python: str, settings: Settings,
              cancel: threading.Event | None) -> sandbox.ChildResult | None:
    """Run through the interpreter's fork server; None means "use a cold child instead"."""
    worker = warm.worker(python, job["pytest_autoload"], settings.network)
    if worker is None:
        return None
    job = {**job, "stdout": os.path.join(scratch, "stdout.txt"), "stderr": os.path.join(scratch, "stderr.txt"),
           "env": {"HOME": home, "TMPDIR": home}}
    with open(job_file, "w", encoding="utf-8") as f:
        json.dump(job, f)
    try:
        code, timed_out, ms = worker.run(job_file, settings.timeout, cancel)
    except warm.WorkerDied:
        warm.forget(python, job["pytest_autoload"], settings.network)
        return None
    out, out_dropped = _read_capped(job["stdout"], settings.output_bytes)
    err, err_dropped = _read_capped(job["stderr"], settings.output_bytes)
    protections = ["warm fork server", *sandbox.BASE_PROTECTIONS, *worker.protections]
    return sandbox.ChildResult(code, out, err, timed_out, ms, out_dropped + err_dropped, protections)


def _read_capped(path: str, cap: int) -> tuple[str, int]:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            data = f.read(cap)
    except OSError:
        return "", 0
    text = data.decode("utf-8", errors="replace")
    dropped = max(0, size - cap)
    if dropped:
        text += sandbox.truncation_note(dropped)
    return text, dropped


def _mirror(path: str, text: str, scratch: str) -> tuple[str, str]:
    """Copy the document's folder (and enclosing package dirs) into scratch; return (doc dir, doc path) there."""
    src_dir = os.path.dirname(os.path.abspath(path))
    root = _package_root(src_dir)
    rel_dir = os.path.relpath(src_dir, root)
    scratch = os.path.realpath(scratch)
    base = os.path.join(scratch, "src")
    doc_dir = os.path.normpath(os.path.join(base, rel_dir))
    budget = [MIRROR_MAX_FILES]
    # Enclosing packages: their own .py files, so relative imports keep working (the
    # document's own folder, the last part, is copied below).
    parts = [] if rel_dir == "." else rel_dir.split(os.sep)
    for i in range(len(parts) - 1):
        pkg_rel = os.path.join(*parts[: i + 1])
        _copy_py(os.path.join(root, pkg_rel), os.path.join(base, pkg_rel), budget, recurse=False)
    os.makedirs(doc_dir, exist_ok=True)
    _copy_py(src_dir, doc_dir, budget, recurse=False)
    for sub in ("tests", "test"):
        if os.path.isdir(os.path.join(src_dir, sub)):
            _copy_py(os.path.join(src_dir, sub), os.path.join(doc_dir, sub), budget, recurse=True)
    target = os.path.join(doc_dir, os.path.basename(path))
    with open(target, "wb") as f:
        f.write(encode_source(text))
    return doc_dir, target


_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def encode_source(text: str) -> bytes:
    """Bytes Python will read back as ``text``: honour a PEP 263 coding cookie in the first two lines."""
    data = text.encode("utf-8", errors="surrogateescape")
    for line in data.splitlines()[:2]:
        match = _CODING.match(line)
        if match:
            try:
                return text.encode(match.group(1).decode("ascii"), errors="replace")
            except LookupError:
                return data
    return data


def _package_root(folder: str) -> str:
    """The folder imports start from: above every enclosing package (a dir with __init__.py)."""
    root = folder
    while os.path.exists(os.path.join(root, "__init__.py")) and os.path.dirname(root) != root:
        root = os.path.dirname(root)
    return root


def _copy_py(src: str, dst: str, budget: list[int], recurse: bool) -> None:
    os.makedirs(dst, exist_ok=True)
    try:
        entries = sorted(os.listdir(src))
    except OSError:
        return
    for entry in entries:
        full = os.path.join(src, entry)
        if os.path.isdir(full):
            if recurse and not entry.startswith((".", "__pycache__")):
                _copy_py(full, os.path.join(dst, entry), budget, recurse)
            continue
        if not (entry.endswith(".py") or entry in CONFIG_FILES) or budget[0] <= 0:
            continue
        try:
            if os.path.getsize(full) <= MIRROR_MAX_BYTES:
                shutil.copyfile(full, os.path.join(dst, entry))
                budget[0] -= 1
        except OSError:
            continue


def _import_roots(path: str, scratch: str) -> list[str]:
    """Original folders appended after the mirror: modules we did not copy still import from disk."""
    src_dir = os.path.dirname(os.path.abspath(path))
    root = _package_root(src_dir)
    return [os.path.join(os.path.realpath(scratch), "src")] + ([] if root == src_dir else [root]) + [src_dir]


@functools.lru_cache(maxsize=1)
def pytest_fallback_paths() -> list[str]:
    """A folder with only tracefix's own pure-Python pytest and its dependencies, for interpreters without one.

    Symlinks, not our whole site-packages: the user's code must not see (or autoload as
    plugins) anything else tracefix happens to have installed.
    """
    import pytest

    shim = os.path.join(tempfile.gettempdir(), f"tracefix-pytest-{pytest.__version__}-{os.getuid()}")
    if os.path.isdir(shim):
        return [shim]
    staging = tempfile.mkdtemp(prefix="tracefix-pytest-staging-")
    for name in ("pytest", "pluggy", "iniconfig", "packaging", "exceptiongroup", "tomli", "pygments"):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        tops = {f.parts[0] for f in dist.files or [] if f.parts and f.parts[0] not in ("..", "__pycache__")}
        for top in tops:
            src = str(dist.locate_file(top))
            dst = os.path.join(staging, top)
            if os.path.exists(src) and not os.path.exists(dst):
                os.symlink(src, dst)
    try:
        os.rename(staging, shim)
    except OSError:  # another run made it first
        shutil.rmtree(staging, ignore_errors=True)
    return [shim]


def _read_result(result_file: str, child: sandbox.ChildResult, tests: list[TestCase], seg: Segmentation,
                 target: str, path: str, scratch: str, settings: Settings) -> RunResult:
    data = _load_results(result_file)
    fix = _path_fixer(scratch, path, target)
    run = RunResult(python=data.get("python", ""), tests=[], stdout=fix(child.stdout), stderr=fix(child.stderr),
                    duration_ms=child.duration_ms)
    by_id = {t.id.split("[")[0]: t for t in tests}
    seen = set()
    for raw in data.get("tests", []):
        test = _test_result(raw, seg, fix, by_id, path)
        run.tests.append(test)
        seen.add(test.id.split("[")[0])
        trace = data.get("traces", {}).get(test.id)
        if trace:
            run.traces[test.id] = [(b, _visit(test.id, rec)) for b, rec in trace["visits"]]
            run.spectra[test.id] = set(trace["spectrum"])
    finished = bool(data.get("done"))
    if not finished or data.get("crash"):
        run.error = _failure_reason(child, data, settings, fix)
        outcome = "timeout" if child.timed_out else "error"
        for t in tests:
            if t.id not in seen and t.id.split("[")[0] not in seen:
                run.tests.append(TestResult(t.id, outcome, run.error, file=t.file, test_line=t.line))
    return run


def _load_results(result_file: str) -> dict:
    """The probe's JSON lines as one dict; a line cut short by a kill ends the reading, nothing more."""
    data: dict = {"tests": [], "traces": {}}
    try:
        with open(result_file, encoding="utf-8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    break
                if "test" in record:
                    data["tests"].append(record["test"])
                    if record.get("trace") is not None:
                        data["traces"][record["test"]["id"]] = record["trace"]
                else:
                    data.update(record)
    except OSError:
        pass
    return data


def _failure_reason(child: sandbox.ChildResult, data: dict, settings: Settings, fix) -> str:
    if child.timed_out:
        return f"tests did not finish within {settings.timeout:g} s (an infinite loop?); the run was stopped"
    if data.get("crash"):
        return "the test runner failed: " + fix(data["crash"].strip().splitlines()[-1])
    if child.signal_name:
        return f"the test process was killed by {child.signal_name} (a crash in native code or a resource limit)"
    lines = [line.strip() for line in child.stderr.strip().splitlines() if line.strip()]
    if any("MemoryError" in line for line in lines[-5:]):
        return f"the tests ran out of memory (limit {settings.memory_mb} MB)"
    # The last line of a traceback says what happened; warnings and other chatter do not.
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception|Exit)\b", line)]
    if errors:
        return "the test process stopped early: " + fix(errors[-1])[:300]
    return (f"the test process exited with code {child.returncode} before reporting results "
            f"(os._exit or sys.exit in the code under test?)")


def _path_fixer(scratch: str, path: str, target: str):
    real_scratch = os.path.realpath(scratch)
    src_dir = os.path.dirname(os.path.abspath(path))
    doc_dir = os.path.dirname(target)

    def fix(text: str) -> str:
        if not text:
            return text
        return text.replace(target, os.path.abspath(path)).replace(doc_dir, src_dir).replace(real_scratch, "<scratch>")

    return fix


def _test_result(raw: dict, seg: Segmentation, fix, by_id: dict, path: str) -> TestResult:
    exc = raw.get("exception")
    line = 0
    if exc:
        line = exc.get("line", 0) or 0
        block = seg.block_at(line) if line else None
        exc = {**exc, "message": fix(exc.get("message", "")), "block": block.id if block else None}
    test_id = raw["id"]
    origin = by_id.get(test_id.split("[")[0])
    message = fix(raw.get("message", ""))
    if "[Errno 27]" in message:  # EFBIG from RLIMIT_FSIZE: say what the user did, not what the OS said
        message = (f"output limit reached: the code wrote more than {FILE_LIMIT_BYTES // 2**20} MB to one file or "
                   f"to its output, and the write failed ({message[:120]})")
    return TestResult(id=test_id, outcome=raw.get("outcome", "error"), message=message,
                      line=line, duration_ms=raw.get("duration_ms", 0.0),
                      file=origin.file if origin else os.path.basename(path),
                      test_line=origin.line if origin else 0,
                      exception=exc, comparison=raw.get("comparison"))


def _visit(test_id: str, rec: dict) -> Visit:
    return Visit(test=test_id, iteration=rec.get("iteration", 0), before=rec.get("before", {}),
                 after=rec.get("after", {}), call=rec.get("call", 0), depth=rec.get("depth", 0),
                 returned=rec.get("returned"), raised=rec.get("raised"))
