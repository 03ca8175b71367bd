"""Warm workers: one fork server per (project, environment) so a run skips interpreter start-up and pytest import.

A run through a warm worker is isolated like a cold one (DESIGN.md §5): the fork
server starts inside the jail (scrubbed env, own session, read-only filesystem but
its job folder, no network), and each job is a freshly forked child that enters
its own mount and PID namespaces (the project overlay with its buffer, a fresh
/proc in which the fork server does not exist) and locks them before any user code,
in its own process group with the job's rlimits, killed as a group on timeout.
Workers are keyed by everything that selects the environment: the interpreter path
as given (two venvs of one base Python are two workers), its venv, the project root
and the network setting. If a worker cannot start or dies, callers fall back to a
cold child process.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from tracefix import bytecode, sandbox
from tracefix.contract import Verb

FORKSERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe", "forkserver.py")
START_TIMEOUT = 20.0
LINE_BYTES = 4096  # the fork server's protocol lines are short; anything longer is not from it
MAX_WORKERS = 4  # idle fork servers cost ~30 MB each: the least recently used one goes first


@dataclass(frozen=True)
class Key:
    python: str  # as given, not resolved
    project: str  # Project.key(): root + interpreter + its venv
    root: str
    network: bool


class WorkerDied(Exception):
    pass


class WarmWorker:
    def __init__(self, key: Key):
        self.key = key
        self.home = tempfile.mkdtemp(prefix="tracefix-warm-")
        self.jobs = os.path.join(self.home, "jobs")
        os.mkdir(self.jobs)
        self.next_job = 0
        self.bytecode = bytecode.Cache(self.home)  # its generations live here, out of every job's sight
        env = sandbox.child_env(self.home)
        argv, protections = sandbox.jailed([key.python, "-X", "utf8", FORKSERVER], _worker_spec(key, self.home),
                                           self.home, key.network)
        self.protections = [p for p in protections if p not in sandbox.BASE_PROTECTIONS]
        self.proc = subprocess.Popen(argv, cwd=self.home, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.cond = threading.Condition()
        self.started: dict[str, int] = {}
        self.exited: dict[int, int] = {}
        self.ready = False
        self.dead = False
        self.write_lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        with self.cond:
            self.cond.wait_for(lambda: self.ready or self.dead, timeout=START_TIMEOUT)
        if not self.ready:
            self.close()
            raise WorkerDied(f"warm worker for {key.python} did not start")

    def job_dir(self) -> str:
        """A fresh folder for one job, visible to the fork server (its only writable place)."""
        with self.write_lock:
            self.next_job += 1
            path = os.path.join(self.jobs, str(self.next_job))
        os.mkdir(path, 0o700)
        return path

    def _read(self) -> None:
        while True:
            raw = self.proc.stdout.readline(LINE_BYTES)
            if not raw:
                break
            if not raw.endswith(b"\n"):
                # Not a protocol line (the server only writes short ones): drain it without keeping it.
                while raw and not raw.endswith(b"\n"):
                    raw = self.proc.stdout.readline(LINE_BYTES)
                continue
            parts = raw.decode("utf-8", "replace").split()
            with self.cond:
                if parts[:1] == [Verb.READY]:
                    self.ready = True
                elif parts[:1] == [Verb.STARTED] and len(parts) == 3:
                    self.started[parts[1]] = int(parts[2])
                elif parts[:1] == [Verb.EXITED] and len(parts) == 3:
                    self.exited[int(parts[1])] = int(parts[2])
                self.cond.notify_all()
        with self.cond:
            self.dead = True
            self.cond.notify_all()

    @property
    def alive(self) -> bool:
        return not self.dead and self.proc.poll() is None

    def run(self, job_path: str, timeout: float, cancel: threading.Event | None) -> tuple[int | None, bool, float]:
        """Run one job; returns (exit code or None, timed out, duration ms). Always reaps the process group.

        Job pids are the fork server's own (they may live in its PID namespace), so only the
        fork server may signal them: a pid from another namespace means nothing here.
        """
        t0 = time.perf_counter()
        self._send(f"{Verb.RUN} {job_path}")
        with self.cond:
            if not self.cond.wait_for(lambda: job_path in self.started or self.dead, timeout=10):
                raise WorkerDied("warm worker did not answer")
            if job_path not in self.started:
                raise WorkerDied("warm worker died")
            pid = self.started.pop(job_path)
        deadline = t0 + timeout
        timed_out = False
        with self.cond:
            while pid not in self.exited and not self.dead:
                if time.perf_counter() > deadline:
                    timed_out = True
                    break
                if cancel is not None and cancel.is_set():
                    break
                self.cond.wait(timeout=0.05)
        self._send(f"{Verb.KILL} {pid}")
        with self.cond:
            self.cond.wait_for(lambda: pid in self.exited or self.dead, timeout=5)
            status = self.exited.pop(pid, None)
        code = os.waitstatus_to_exitcode(status) if status is not None else None
        return code, timed_out, (time.perf_counter() - t0) * 1000

    def _send(self, line: str) -> None:
        try:
            with self.write_lock:
                self.proc.stdin.write((line + "\n").encode())
                self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(str(exc)) from exc

    def close(self) -> None:
        self.bytecode.close()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        # A refresh in flight ends once its compile job is dead (killed with the fork server above);
        # removing the home before it has would let it write there again.
        self.bytecode.idle.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)


_pool: dict[Key, WarmWorker] = {}
_pool_lock = threading.Lock()
_broken: set[Key] = set()


def _worker_spec(key: Key, home: str) -> dict:
    """The fork server's own jail: everything read-only but its job folder, no overlay (each job
    mounts its own) and no lock (jobs need to mount; they lock themselves before user code)."""

    from tracefix import child

    spec = child.jail_spec_base(key.python)
    return {**spec, "readable": [*spec["readable"], key.root], "writable": [home], "lock": False}


def worker(key: Key) -> WarmWorker | None:
    """A live warm worker for this (project, environment), or None when there cannot be one here."""
    if not hasattr(os, "fork") or not sandbox.isolation(key.network)[0]:
        # Without the jail a job could not get its own overlay and PID namespace: cold runs only.
        return None
    with _pool_lock:
        if key in _broken:
            return None
        current = _pool.pop(key, None)
        if current is not None and current.alive:
            _pool[key] = current  # re-inserted: the dict's order is the least-recently-used order
            return current
        if current is not None:
            current.close()
        while len(_pool) >= MAX_WORKERS:
            _pool.pop(next(iter(_pool))).close()
        try:
            _pool[key] = WarmWorker(key)
        except (WorkerDied, OSError):
            _broken.add(key)
            return None
        return _pool[key]


def forget(w: WarmWorker) -> None:
    with _pool_lock:
        if _pool.get(w.key) is w:
            del _pool[w.key]
    w.close()


def shutdown() -> None:
    with _pool_lock:
        workers = list(_pool.values())
        _pool.clear()
    for w in workers:
        w.close()


atexit.register(shutdown)
