"""Child-process entry point: run (or collect) the document's tests in the user's own project.

Usage (by the server, never by hand): ``python runner.py JOB.json``, with the job's
project root as working directory; the fork server calls :func:`execute` instead.
Stdlib only, Python 3.9+: this file runs inside the user's interpreter and is handed
to it by path. Results go to ``job["result"]`` as JSON lines, written (and flushed)
one record at a time so that a timeout or a crash still leaves every finished test,
and a ``{"start": id}`` line before each test names the one that was running when the
process died. Nothing is printed on the user's stdout by the probe itself.

The rest of the probe is loaded from this folder by path, under private module names
(``_tracefix_<file>``), never through ``sys.path``: a project may well have its own
``reach`` or ``outcomes`` module. What runs where: ``pytest_run`` and ``pytest_collect``
(the two modes, over ``pytest_call`` and ``pytest_session``), ``doctests`` (the doctests
and the ``__main__`` block), ``reach``, ``records`` (the result file), ``project_files``
and ``outcomes`` (one-line messages).
"""
from __future__ import annotations

import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


# -- the probe's modules --------------------------------------------------------------------------

def _load_private(stem):
    """Load ``<stem>.py`` from this folder as ``_tracefix_<stem>``: a user module called `tracer` must
    not collide with ours. Registered in ``sys.modules`` under that name, so the probe's modules
    import one another by it (``from _tracefix_outcomes import ...``) without this folder on sys.path."""
    import importlib.util

    name = "_tracefix_" + stem
    existing = sys.modules.get(name)
    if existing is not None:
        return existing
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, stem + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


# In dependency order: each module imports only those loaded before it.
_load_private("outcomes")
project_files = _load_private("project_files")
records = _load_private("records")
_load_private("reach")
doctests = _load_private("doctests")
_load_private("pytest_call")
_load_private("pytest_session")
pytest_run = _load_private("pytest_run")
pytest_collect = _load_private("pytest_collect")


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


def _enter_fallback(job):
    """Without the jail, the fallback's protections (probe/fallback.py: Landlock, the buffer's
    import hook) are entered before any user code; names of the active ones, or None."""
    spec = job.get("fallback")
    if not spec or not os.path.exists(os.path.join(HERE, "fallback.py")):
        return None
    try:
        return _load_private("fallback").enter(spec)
    except Exception:  # fallback.enter never raises; loading it might: the run goes on without it
        return []


def _tracer(job):
    """(tracer, uninstall, arm, backend name) for a run job."""
    if job.get("mode", "run") != "run" or not job.get("trace", True):
        return None, None, None, "none"
    tracer_mod = _load_private("tracer")
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


# -- entry points ---------------------------------------------------------------------------------

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
    project = project_files.Project(job.get("root") or root, [HERE] + list(job.get("pytest_fallback", [])))
    tracer, uninstall, arm, backend = _tracer(job)
    results = records.Results(result_path, backend, protections)
    coverage = project_files.CoverageMap.create(job, project) if job.get("mode", "run") == "run" else None
    watch = records.Watch(results, tracer, coverage)
    crash = None
    try:
        if job.get("mode", "run") == "collect":
            pytest_collect.collect_pytest(job, results, project)
        else:
            pytest_run.run_pytest(job, results, watch, project, arm)
            if arm is not None:
                uninstall = arm()
            doctests.run_doctests(job, watch)
            doctests.run_script(job, watch)
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
