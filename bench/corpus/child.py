"""Child-side test runner for the corpus builder and the repair benchmark (stdlib only).

Reads jobs as JSON on stdin, writes one JSON line per job on stdout. A job is a module
source plus snippets to run against it; each snippet runs under its own CPU-time alarm,
so one looping mutant costs one timeout, not the whole batch. User code prints go to
/dev/null so they cannot corrupt the JSON stream.

job  = {"id", "module", "source", "timeout", "tests": [{"name", "code", "mode": "exec"|"eval"}]}
line = {"id", "load": "ok"|"error: ...", "results": {name: outcome}, "values": {name: repr}}
outcome = passed | failed | error:<Type> | timeout | skipped (after a timeout)
"""
import json
import os
import signal
import sys
import types


class _Timeout(BaseException):
    """BaseException so a student's bare `except Exception` cannot swallow it."""


def _alarm(_signum, _frame):
    raise _Timeout()


def _limited(seconds, fn):
    # CPU time, not wall time: on a busy machine a wall clock would turn slow-but-correct runs
    # into timeouts, and the corpus would change with the load. The parent's wall limit still
    # catches code that sleeps or blocks.
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _outcome(exc):
    if isinstance(exc, _Timeout):
        return "timeout"
    if isinstance(exc, AssertionError):
        return "failed"
    return "error:" + type(exc).__name__


def run_job(job):
    timeout = float(job.get("timeout", 1.0))
    name = job["module"]
    module = types.ModuleType(name)
    module.__file__ = name + ".py"
    sys.modules[name] = module
    out = {"id": job["id"], "load": "ok", "results": {}, "values": {}}
    try:
        code = compile(job["source"], module.__file__, "exec")
        _limited(timeout, lambda: exec(code, module.__dict__))
    except BaseException as exc:  # noqa: BLE001 - any failure of user code is data here
        if isinstance(exc, KeyboardInterrupt):
            raise
        out["load"] = "error: " + _outcome(exc)
        return out
    timed_out = False
    for test in job["tests"]:
        if timed_out and job.get("stop_on_timeout", True):
            # One looping case is enough to judge (and drop) a program; don't pay for the rest.
            out["results"][test["name"]] = "skipped"
            continue
        namespace = dict(module.__dict__)
        try:
            if test.get("mode") == "eval":
                value = _limited(timeout, lambda: eval(test["code"], namespace))
                out["values"][test["name"]] = repr(value)
            else:
                _limited(timeout, lambda: exec(test["code"], namespace))
            out["results"][test["name"]] = "passed"
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            out["results"][test["name"]] = _outcome(exc)
            timed_out = timed_out or isinstance(exc, _Timeout)
    del sys.modules[name]
    return out


def main():
    jobs = json.load(sys.stdin)
    real_stdout = os.fdopen(os.dup(1), "w")
    devnull = open(os.devnull, "w")
    sys.stdout = devnull
    sys.stderr = devnull
    signal.signal(signal.SIGPROF, _alarm)
    sys.setrecursionlimit(3000)
    for job in jobs:
        result = run_job(job)
        real_stdout.write(json.dumps(result) + "\n")
        real_stdout.flush()


if __name__ == "__main__":
    main()
