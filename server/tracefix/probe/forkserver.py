"""A warm worker for the user's interpreter: imports pytest once, forks a fresh child per job.

Started by the server inside the jail (scrubbed env, own session, no network,
read-only filesystem but its job folders) and non-dumpable; each forked job enters
its own mount and PID namespaces (probe/jail.py ``job_jail``) before any user code.
Protocol on stdin/stdout, one line each (the verbs are ``contract.Verb``): the server writes
``run <job file>`` and we answer ``started <job> <pid>`` and later ``exited <pid> <status>``;
``kill <pid>`` ends a running job's process group (pids are ours: we may be PID 1 of our own namespace). The forked
child starts a new process group (so the server can kill it and everything it
spawns), closes stdin, sends its output to files named in the job, and runs the
job exactly as ``runner.py`` would. No user code is ever imported here.
Stdlib only, Python 3.9+, POSIX only.
"""
from __future__ import annotations

import json
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_runner():
    """runner.py under its private name (a user module called runner stays theirs); it holds the
    probe's one loader, ``load_private``, for everything else."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_tracefix_runner", os.path.join(HERE, "runner.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["_tracefix_runner"] = module
    return module


runner = _load_runner()
runner.load_private("tracer")
jail = runner.load_private("jail")
J = runner.contract.Job
Verb = runner.contract.Verb
PR_SET_DUMPABLE = 4

_out_lock = threading.Lock()


def _say(line):
    with _out_lock:
        os.write(1, (line + "\n").encode())


def _set_dumpable(flag):
    """Non-dumpable: no process may read or write our memory through /proc/<pid>/mem or ptrace."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, flag, 0, 0, 0)
    except (OSError, AttributeError, ImportError):
        pass


def _preload():
    """Import what every job needs so that forks skip it (pytest only: plugins and user code load per job).

    Also what a job would import anyway: asyncio and, when installed, pytest-asyncio's plugin module (loaded
    by name on tracefix's own interpreter, autoloaded on most others; imported is not registered), ~150 ms
    a job; faulthandler, resource and the email parser pytest's session start reaches for. Then
    ``gc.freeze()``: everything imported so far is left out of every later collection, so a job's
    ``gc.collect()`` (pytest >= 8.4 runs several at unconfigure, ~150 ms over the preloaded heap) neither
    walks nor copies-on-write the fork server's objects."""
    names = ["doctest", "runpy", "reprlib", "asyncio", "faulthandler", "resource", "email.parser", "pytest",
             "_pytest.assertion.rewrite", "_pytest.python", "_pytest._argcomplete"]
    try:
        from _pytest.config import default_plugins  # what every pytest.main imports: ~180 ms saved per run
        names += ["_pytest." + name for name in default_plugins]
    except Exception:
        pass
    if runner.load_private("pytest_call")._installed("pytest_asyncio"):
        names.append("pytest_asyncio.plugin")
    for name in names:
        try:
            __import__(name)
        except Exception:
            pass
    import gc

    gc.collect()
    gc.freeze()


def _child(job_path):
    try:
        with open(job_path, encoding="utf-8") as f:
            job = json.load(f)
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        out = os.open(job[J.STDOUT], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(job[J.STDERR], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.closerange(3, 65536)  # nothing of the fork server's (pipes, files) reaches user code
        if job.get(J.JAIL) is not None:
            try:
                jail.job_jail(job[J.JAIL])  # returns in the job's own PID and mount namespaces, locked
            except (jail.JailError, OSError) as exc:
                os.write(2, ("tracefix-jail: %s\n" % exc).encode())
                os._exit(jail.JAIL_FAILED)
            _set_dumpable(1)  # its own /proc/self works as under plain Python; nobody else is in its namespace
        # Fresh stream objects: a lock held by the parent's threads at fork time must not bite us.
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", closefd=False, buffering=1, encoding="utf-8", errors="replace")
        sys.stderr = open(2, "w", closefd=False, buffering=1, encoding="utf-8", errors="replace")
        os.environ.update(job.get(J.ENV, {}))
        try:
            import signal
            # A flood hits RLIMIT_FSIZE: fail the write instead of killing the run before it reports.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        except (AttributeError, ValueError):
            pass
        runner.execute(job)
    finally:
        os._exit(70)


class _Jobs:
    """Running job pids; each job is the leader of its own session (it calls setsid)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = set()

    def add(self, pid):
        with self.lock:
            self.running.add(pid)

    def done(self, pid):
        with self.lock:
            was = pid in self.running
            self.running.discard(pid)
            return was

    def keep(self, pid, sid):
        with self.lock:
            return pid in self.running or sid in self.running


def _sweep(jobs):
    """As PID 1 of our own namespace: kill whatever no running job owns (setsid escapees, leftovers)."""
    if os.getpid() != 1:
        return
    import signal

    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == "1":
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            sid = int(fields[3])
        except (OSError, IndexError, ValueError):
            continue
        if not jobs.keep(int(entry), sid):
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def _kill_job(jobs, pid):
    """SIGKILL a job's process group; only pids of running jobs, never anything else."""
    import signal

    with jobs.lock:
        if pid not in jobs.running:
            return
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _reaper(jobs):
    """One waiter for every child: as PID 1 we also inherit and must reap orphans."""
    import time

    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            time.sleep(0.05)
            continue
        if jobs.done(pid):
            _sweep(jobs)
            _say("%s %d %d" % (Verb.EXITED, pid, status))


def main():
    _set_dumpable(0)
    _preload()
    jobs = _Jobs()
    threading.Thread(target=_reaper, args=(jobs,), daemon=True).start()
    _say("%s %s" % (Verb.READY, sys.version.split()[0]))
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == Verb.KILL:
            _kill_job(jobs, int(arg))
            continue
        if command != Verb.RUN or not arg:
            continue
        job_path = arg
        with jobs.lock:  # the reaper must not see the pid exit before it is registered
            pid = os.fork()
            if pid == 0:
                _child(job_path)
            jobs.running.add(pid)
        _say("%s %s %d" % (Verb.STARTED, job_path, pid))


if __name__ == "__main__":
    main()
