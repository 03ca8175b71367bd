"""Child-process entry point: run (or collect) the document's tests in the user's own project.

Usage (by the server, never by hand): ``python runner.py JOB.json``, with the job's
project root as working directory; the fork server calls :func:`execute` instead.
Stdlib only, Python 3.9+: this file runs inside the user's interpreter and is handed
to it by path. The job's keys and the result records are named in ``contract.py`` (loaded by path on
both sides). Results go to the job's result file as JSON lines, written (and flushed)
one record at a time so that a timeout or a crash still leaves every finished test,
and a start record before each test names the one that was running when the
process died. Nothing is printed on the user's stdout by the probe itself.

The rest of the probe is loaded from this folder by path, under private module names
(``_tracefix_<file>``), never through ``sys.path``: a project may well have its own
``reach`` or ``outcomes`` module. What runs where: ``pytest_run`` and ``pytest_collect``
(the two modes, over ``pytest_call`` and ``pytest_session``), ``bytecode`` (the third mode: a
bytecode cache, no user code), ``doctests`` (the doctests
and the ``__main__`` block), ``reach``, ``records`` (the result file), ``project_files``
``outcomes`` (one-line messages), ``contract`` (the names shared with the server), ``saferepr``
and ``tracer`` (values and visits).
"""
from __future__ import annotations

import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


# -- the probe's modules --------------------------------------------------------------------------

def load_private(stem):
    """Load ``<stem>.py`` from this folder as ``_tracefix_<stem>``: a user module called `tracer` must
    not collide with ours. The probe's one loader: the fork server loads this file, then uses it.
    Registered in ``sys.modules`` under that name, so the probe's modules import one another by it
    (``from _tracefix_outcomes import ...``) without this folder on sys.path."""
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


# In dependency order: each module imports only those loaded before it (tracer.py needs saferepr).
contract = load_private("contract")
load_private("outcomes")
project_files = load_private("project_files")
records = load_private("records")
load_private("reach")
doctests = load_private("doctests")
load_private("pytest_call")
load_private("pytest_session")
pytest_run = load_private("pytest_run")
pytest_collect = load_private("pytest_collect")
load_private("saferepr")
J = contract.Job


# -- process set-up -------------------------------------------------------------------------------

def apply_limits(limits):
    """rlimits for this process and its children; silently skipped where the OS refuses."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return []
    applied = []
    table = {
        contract.LIMIT_CPU: getattr(resource, "RLIMIT_CPU", None),
        contract.LIMIT_MEMORY: getattr(resource, "RLIMIT_AS", None),
        contract.LIMIT_FILE: getattr(resource, "RLIMIT_FSIZE", None),
        contract.LIMIT_FILES: getattr(resource, "RLIMIT_NOFILE", None),
        contract.LIMIT_PROCESSES: getattr(resource, "RLIMIT_NPROC", None),
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
    spec = job.get(J.FALLBACK)
    if not spec or not os.path.exists(os.path.join(HERE, "fallback.py")):
        return None
    try:
        return load_private("fallback").enter(spec)
    except Exception:  # fallback.enter never raises; loading it might: the run goes on without it
        return []


def _tracer(job):
    """(tracer, uninstall, arm, backend, reason) for a job: the backend is chosen here, once."""
    if job.get(J.MODE, contract.MODE_RUN) != contract.MODE_RUN or not job.get(J.TRACE, True):
        return None, None, None, contract.TRACER_NONE, "not traced"
    tracer_mod = load_private("tracer")
    backend, reason = contract.choose_backend(job.get(J.BACKEND, contract.BACKEND_AUTO), sys.version_info,
                                              tracer_mod.monitoring_free())
    leaders = {int(k): v for k, v in job[J.LEADERS].items()}
    lines = {int(k): v for k, v in job.get(J.LINES, {}).items()}
    tracer = tracer_mod.Tracer(job[J.TARGET], leaders, job.get(J.BUDGETS, {}), lines, job.get(J.NAMES))
    if backend == contract.TRACER_SETTRACE:
        # Pytest makes thousands of calls per test; under settrace each one reaches our global
        # trace function, so the tracer is armed only while a test body runs.
        return tracer, None, (lambda: tracer_mod.install(tracer, backend)), backend, reason
    return tracer, tracer_mod.install(tracer, backend), None, backend, reason


# -- entry points ---------------------------------------------------------------------------------

def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        job = json.load(f)
    execute(job)


def execute(job):
    """Run one job in this (fresh or freshly forked) process, then exit it."""
    apply_limits(job.get(J.LIMITS, {}))
    protections = _enter_fallback(job)
    result_path = os.path.abspath(job[J.RESULT])
    root = job.get(J.CWD) or job.get(J.ROOT) or os.getcwd()
    os.chdir(root)
    sys.path[:0] = job.get(J.SYS_PATH, [])
    # Keep our own module out of the user's namespace: we are imported by path only.
    sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    project = project_files.Project(job.get(J.ROOT) or root, [HERE] + list(job.get(J.PYTEST_FALLBACK, [])))
    tracer, uninstall, arm, backend, reason = _tracer(job)
    results = records.Results(result_path, backend, reason, protections)
    run_mode = job.get(J.MODE, contract.MODE_RUN) == contract.MODE_RUN
    coverage = project_files.CoverageMap.create(job, project) if run_mode else None
    watch = records.Watch(results, tracer, coverage)
    crash = None
    try:
        if job.get(J.MODE) == contract.MODE_COMPILE:
            load_private("bytecode").compile_layer(job, results)  # parse and compile only: no user code runs
        elif not run_mode:
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
