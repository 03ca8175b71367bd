"""One job of the probe in a jailed child, in place in the user's project (DESIGN.md §1 step 3, §5).

The child sees the project at its real path. Its unsaved buffer reaches it through
the jail's copy-on-write overlay: the buffer is written into the overlay's upper
layer (per-run scratch) at the document's relative path, never over the user's
file. Every write a test makes lands in that scratch and is deleted with it. No
tree is copied. Jobs go to a warm fork server when one is available, else to a
cold child; the result lines are read back with caps on every line and in total.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass, field, replace
from importlib import metadata

from tracefix import bytecode, contract, sandbox, workers
from tracefix.contract import Job, Rec
from tracefix.config import Settings
from tracefix.project import Project

PROBE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe")
FILE_LIMIT_BYTES = 64 * 1024 * 1024  # per file the child writes, its captured output included
RESULT_LINE_BYTES = 8 * 1024 * 1024  # one test's record; longer lines are cut and dropped
RESULT_TOTAL_BYTES = 64 * 1024 * 1024
RESULT_MAX_RECORDS = 50_000  # far above any real run (a record per test); a flood of forged lines stops here
# Folders of the user's that no test needs to read: hidden from the child altogether.
SECRET_DIRS = (".ssh", ".gnupg", ".aws", ".azure", ".config/gcloud", ".kube", ".docker", ".password-store")


@dataclass
class JobOutcome:
    child: sandbox.ChildResult
    records: list[dict] = field(default_factory=list)
    protections: list[str] = field(default_factory=list)
    # One line when the records cannot be read as this server's contract (they are dropped then).
    problem: str = ""


@functools.lru_cache(maxsize=1)
def sweep_stale_scratch(max_age_s: float = 6 * 3600) -> int:
    """Scratch folders of tracefix processes that were killed (SIGKILL skips every cleanup): removed once per
    process, only ours (same owner), only old ones (a live run's folder is young)."""
    import time

    base = tempfile.gettempdir()
    removed = 0
    try:
        entries = list(os.scandir(base))
    except OSError:
        return 0
    for entry in entries:
        # Only per-run folders: a run never lives for hours, while a language server's warm worker may.
        if not entry.name.startswith("tracefix-run-"):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and time.time() - st.st_mtime > max_age_s:
                remove_tree(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def run_job(project: Project, python: str, job: dict, settings: Settings, doc_path: str, text: str | None,
            cancel: threading.Event | None = None) -> JobOutcome:
    """Run ``job`` (keys: ``contract.Job``) in a jailed child; ``text`` is the buffer shown at ``doc_path``."""
    sweep_stale_scratch()
    worker = workers.worker(workers.Key(python, project.key(), project.root, settings.network)) if settings.warm else None
    # A warm job's scratch must lie in its fork server's folder: the only one that server can see.
    scratch = worker.job_dir() if worker is not None else tempfile.mkdtemp(prefix="tracefix-run-")
    # The bytecode cache's newest generation, read-only under this run's upper layer (tracefix/bytecode.py).
    layer = worker.bytecode.acquire() if worker is not None and not bytecode.disabled() else None
    if worker is not None and layer is None and not bytecode.disabled():
        refresh_bytecode(worker, project, python, settings)  # a new worker: the first generation starts now
    try:
        home, upper, work = (os.path.join(scratch, d) for d in ("home", "upper", "work"))
        os.mkdir(home)
        os.mkdir(work)
        overlay_buffer(project, doc_path, text, upper)
        if layer is not None and text is not None:
            bytecode.shadow(layer, project, doc_path, upper)  # the buffer never meets a cached pyc
        job = {**job, Job.ROOT: project.root, Job.RESULT: os.path.join(scratch, "result.jsonl"),
               Job.PYTEST_FALLBACK: pytest_fallback_paths(), Job.LIMITS: limits(settings)}
        overlay = {"root": project.root, "upper": upper, "work": work, **({"layers": [layer]} if layer else {})}
        spec = {**jail_spec_base(python), "overlay": overlay, "writable": [scratch]}
        env = job_env(python)
        if not sandbox.isolation(settings.network)[0]:
            job[Job.FALLBACK] = {**fallback_spec(project, doc_path, text, scratch, upper), "network": settings.network}
        child = _run_warm(worker, job, spec, scratch, {**env, "HOME": home, "TMPDIR": home}, settings, cancel) \
            if worker is not None else None
        if child is None:
            job_file = os.path.join(scratch, "job.json")
            with open(job_file, "w", encoding="utf-8") as f:
                json.dump(job, f)
            child = sandbox.run([python, "-X", "utf8", os.path.join(PROBE_DIR, "runner.py"), job_file],
                                cwd=project.root, home=home, timeout=settings.timeout,
                                output_bytes=settings.output_bytes, network=settings.network, cancel=cancel,
                                jail=spec, env=env)
        records = read_records(job[Job.RESULT])
        problem = contract.version_problem(records[0]) if records else ""
        if problem:
            return JobOutcome(child, [], list(child.protections), problem)
        return JobOutcome(child, records, child.protections + _fallback_protections(records))
    finally:
        if layer is not None:
            worker.bytecode.release(layer)
        remove_tree(scratch)
        if worker is not None and not bytecode.disabled():
            refresh_bytecode(worker, project, python, settings)


def refresh_bytecode(worker: "workers.WarmWorker", project: Project, python: str, settings: Settings) -> None:
    """Start bringing the worker's bytecode cache up to date with the project on disk (in the background)."""
    worker.bytecode.refresh(project, functools.partial(compile_bytecode, worker, project, python, settings))


def compile_bytecode(worker: "workers.WarmWorker", project: Project, python: str, settings: Settings, dest: str,
                     rewrite: list[str], modules: list[str]) -> bool:
    """One compile-mode job (probe/bytecode.py): the pycs of these files written under ``dest``, the only folder
    it may write besides its scratch. It parses and compiles; it imports nothing of the project's."""
    scratch = worker.job_dir()
    try:
        home = os.path.join(scratch, "home")
        os.mkdir(home)
        slow = replace(settings, timeout=max(settings.timeout, 120.0))  # a large tree: once, in the background
        job = {Job.MODE: contract.MODE_COMPILE, Job.ROOT: project.root,
               Job.RESULT: os.path.join(scratch, "result.jsonl"),
               Job.PYTEST_FALLBACK: pytest_fallback_paths(), Job.LIMITS: limits(slow),
               Job.COMPILE: {"root": project.root, "dest": dest, "rewrite": rewrite, "modules": modules,
                             "racy_s": bytecode.RACY_S}}
        base = jail_spec_base(python)
        # No overlay: the project is read as it is on disk (read-only, and brought back when it lies under /tmp).
        spec = {**base, "readable": [*base["readable"], project.root], "writable": [scratch, dest]}
        child = _run_warm(worker, job, spec, scratch, {**job_env(python), "HOME": home, "TMPDIR": home}, slow, None)
        records = read_records(job[Job.RESULT])
        return child is not None and child.returncode == 0 and any(Rec.COMPILED in r for r in records)
    finally:
        remove_tree(scratch)


def _fallback_protections(records: list[dict]) -> list[str]:
    """What the no-jail fallback reported it could set up (the runner's header record)."""
    for record in records[:1]:
        names = record.get(Rec.FALLBACK)
        if isinstance(names, list):
            return [str(n)[:100] for n in names[:10]]
    return []


def fallback_spec(project: Project, doc_path: str, text: str | None, scratch: str, upper: str) -> dict:
    """Without the jail (no user namespaces): the child itself restricts its writes to ``scratch`` where the
    OS offers a way (Landlock on Linux), and serves the buffer for the document through an import hook."""
    rel = os.path.relpath(os.path.realpath(doc_path), project.root)
    return {"writable": [scratch], "buffer": {"path": os.path.realpath(doc_path),
                                              "copy": os.path.join(upper, rel) if text is not None else ""}}


def job_env(python: str) -> dict[str, str]:
    """Extra environment of a job. On tracefix's own interpreter (a project without a venv of its own) the
    pytest plugins installed are tracefix's, not the project's: not autoloaded (they cost seconds per run)."""
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        return {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return {}


def overlay_buffer(project: Project, doc_path: str, text: str | None, upper: str) -> None:
    """The upper layer of the overlay: empty, plus the buffer at the document's place when given."""
    os.mkdir(upper)
    if text is None:
        return
    rel = os.path.relpath(os.path.realpath(doc_path), project.root)
    target = os.path.join(upper, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(encode_source(text))


def jail_spec_base(python: str) -> dict:
    """What every child may read and may not see; the run adds its overlay and its writable scratch."""
    from tracefix import feedback

    home = os.path.realpath(os.path.expanduser("~"))
    hidden = [os.path.join(home, d) for d in SECRET_DIRS]
    hidden += [os.path.dirname(feedback.default_path()), _cache_dir()]
    shim = pytest_fallback_paths()
    # Where the shim's links point (tracefix's own libraries, e.g. a VS Code extension's bundle under /tmp).
    targets = {os.path.dirname(os.path.realpath(os.path.join(d, e))) for d in shim for e in os.listdir(d)}
    readable = [PROBE_DIR, *shim, *sorted(targets), *_interpreter_dirs(python), *_interpreter_dirs(sys.executable)]
    return {"readable": list(dict.fromkeys(readable)), "hide": hidden, "proc": True}


def _cache_dir() -> str:
    from tracefix import project as project_mod

    return project_mod.cache_dir()


def _interpreter_dirs(python: str) -> list[str]:
    """The venv and the installation a python lives in (they may sit under /tmp, which the jail replaces)."""
    venv = os.path.dirname(os.path.dirname(os.path.abspath(python)))
    base = os.path.dirname(os.path.dirname(os.path.realpath(python)))
    return list(dict.fromkeys([venv, base]))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def limits(settings: Settings) -> dict:
    return {
        contract.LIMIT_CPU: int(settings.timeout) + 5,
        contract.LIMIT_MEMORY: settings.memory_mb * 1024 * 1024,
        contract.LIMIT_FILE: FILE_LIMIT_BYTES,
        contract.LIMIT_FILES: 1024,
        contract.LIMIT_PROCESSES: 256,
    }


def _run_warm(worker: "workers.WarmWorker", job: dict, spec: dict, scratch: str, env: dict, settings: Settings,
              cancel: threading.Event | None) -> sandbox.ChildResult | None:
    """Run through a fork server; None means "use a cold child instead" (the worker died)."""
    job = {**job, Job.STDOUT: os.path.join(scratch, "stdout.txt"), Job.STDERR: os.path.join(scratch, "stderr.txt"),
           Job.ENV: env, Job.JAIL: spec}
    job_file = os.path.join(scratch, "job.json")
    with open(job_file, "w", encoding="utf-8") as f:
        json.dump(job, f)
    try:
        code, timed_out, ms = worker.run(job_file, settings.timeout, cancel)
    except workers.WorkerDied:
        workers.forget(worker)
        return None
    out, out_dropped = _read_capped(job[Job.STDOUT], settings.output_bytes)
    err, err_dropped = _read_capped(job[Job.STDERR], settings.output_bytes)
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


def read_records(path: str) -> list[dict]:
    """The probe's JSON lines; a line cut short by a kill ends the reading, an overlong one is skipped."""
    records: list[dict] = []
    total = 0
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return records
        with open(path, "rb") as f:
            while total < RESULT_TOTAL_BYTES and len(records) < RESULT_MAX_RECORDS:
                line = f.readline(RESULT_LINE_BYTES)
                if not line:
                    break
                total += len(line)
                if not line.endswith(b"\n"):
                    if len(line) < RESULT_LINE_BYTES:
                        break  # the last line, cut short by a kill
                    while line and not line.endswith(b"\n"):  # skip the rest of an overlong record
                        line = f.readline(RESULT_LINE_BYTES)
                        total += len(line)
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    break
                if isinstance(record, dict):
                    records.append(record)
    except OSError:
        pass
    return records


def remove_tree(path: str) -> None:
    """Delete a scratch tree even where overlayfs left a mode-000 work folder in it."""
    def unlock(func, target, _exc):
        try:
            os.chmod(os.path.dirname(target), 0o700)
            os.chmod(target, 0o700)
            func(target)
        except OSError:
            pass

    shutil.rmtree(path, onerror=unlock)
    if os.path.exists(path):
        shutil.rmtree(path, ignore_errors=True)


def encode_source(text: str) -> bytes:
    """Bytes Python will read back as ``text``: honour a PEP 263 coding cookie in the first two lines."""
    import re

    data = text.encode("utf-8", errors="surrogateescape")
    for line in data.splitlines()[:2]:
        match = re.match(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", line)
        if match:
            try:
                return text.encode(match.group(1).decode("ascii"), errors="replace")
            except LookupError:
                return data
    return data


@functools.lru_cache(maxsize=1)
def pytest_fallback_paths() -> list[str]:
    """A folder with only tracefix's own pure-Python pytest and its dependencies, for interpreters without one.

    Symlinks, not our whole site-packages: the user's code must not see (or autoload as
    plugins) anything else tracefix happens to have installed. Made fresh (mode 0700) by
    each tracefix process and removed at exit, never shared: no run can swap it for a
    later one (inside the jail the real /tmp is out of sight, this folder comes back read-only).
    """
    import atexit

    import pytest

    shim = tempfile.mkdtemp(prefix=f"tracefix-pytest-{pytest.__version__}-")
    atexit.register(shutil.rmtree, shim, True)
    for name in ("pytest", "pluggy", "iniconfig", "packaging", "exceptiongroup", "tomli", "pygments"):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        tops = {f.parts[0] for f in dist.files or [] if f.parts and f.parts[0] not in ("..", "__pycache__")}
        for top in tops:
            src = str(dist.locate_file(top))
            dst = os.path.join(shim, top)
            if os.path.exists(src) and not os.path.exists(dst):
                os.symlink(src, dst)
    return [shim]
