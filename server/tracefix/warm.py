"""Warm workers: one fork server per interpreter so a run skips interpreter start-up and pytest import.

A run through a warm worker is isolated like a cold one (DESIGN.md §5): the fork
server itself starts inside the sandbox (scrubbed env, own session, no network),
and each job is a freshly forked child in its own process group with the job's
rlimits, killed as a group on timeout. If a worker cannot start or dies, callers
fall back to a cold child process.
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

from tracefix import sandbox

FORKSERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe", "forkserver.py")
START_TIMEOUT = 20.0


class WorkerDied(Exception):
    pass


class WarmWorker:
    def __init__(self, python: str, autoload: bool, network: bool):
        self.home = tempfile.mkdtemp(prefix="tracefix-warm-")
        prefix, self.protections = sandbox.isolation(network)
        env = sandbox.child_env(self.home, {"TRACEFIX_PYTEST_AUTOLOAD": "1" if autoload else "0"})
        self.proc = subprocess.Popen([*prefix, python, "-X", "utf8", FORKSERVER], cwd=self.home, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
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
            raise WorkerDied(f"warm worker for {python} did not start")

    def _read(self) -> None:
        for raw in self.proc.stdout:
            parts = raw.decode("utf-8", "replace").split()
            with self.cond:
                if parts[:1] == ["ready"]:
                    self.ready = True
                elif parts[:1] == ["started"] and len(parts) == 3:
                    self.started[parts[1]] = int(parts[2])
                elif parts[:1] == ["exited"] and len(parts) == 3:
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
        self._send(f"run {job_path}")
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
        self._send(f"kill {pid}")
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
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(self.home, ignore_errors=True)


_pool: dict[tuple, WarmWorker] = {}
_pool_lock = threading.Lock()
_broken: set[tuple] = set()


def worker(python: str, autoload: bool, network: bool) -> WarmWorker | None:
    """A live warm worker for this interpreter, or None when this platform or interpreter cannot have one."""
    if not hasattr(os, "fork"):
        return None
    key = (os.path.realpath(python), autoload, network)
    with _pool_lock:
        if key in _broken:
            return None
        current = _pool.get(key)
        if current is not None and current.alive:
            return current
        try:
            _pool[key] = WarmWorker(python, autoload, network)
        except (WorkerDied, OSError):
            _broken.add(key)
            return None
        return _pool[key]


def forget(python: str, autoload: bool, network: bool) -> None:
    key = (os.path.realpath(python), autoload, network)
    with _pool_lock:
        w = _pool.pop(key, None)
    if w is not None:
        w.close()


def shutdown() -> None:
    with _pool_lock:
        workers = list(_pool.values())
        _pool.clear()
    for w in workers:
        w.close()


atexit.register(shutdown)
