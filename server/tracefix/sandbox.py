"""Run a child process the way DESIGN.md §5 asks: limited, isolated, killable.

The child gets a scratch working directory and HOME, closed stdin, an environment
built from an allow-list (no API keys or cloud credentials), rlimits (applied by
the probe's runner before any user code), a wall timeout that kills the whole
process group, captured and capped output, and no network where ``unshare -n``
works. Nothing here imports user code.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

# Variables a test run legitimately needs; everything else (tokens, keys, cloud creds) stays out.
ENV_ALLOW = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "SYSTEMROOT", "PYTHONHASHSEED")
ENV_ALLOW_PREFIX = ("LC_",)


@dataclass
class ChildResult:
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    duration_ms: float
    truncated_bytes: int = 0
    protections: list[str] = field(default_factory=list)

    @property
    def signal_name(self) -> str:
        if self.returncode is not None and self.returncode < 0:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return ""


def child_env(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ENV_ALLOW or k.startswith(ENV_ALLOW_PREFIX)}
    env.update({
        "HOME": home,
        "TMPDIR": home,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONNOUSERSITE": "1",
    })
    env.setdefault("PATH", "/usr/bin:/bin")
    env.update(extra or {})
    return env


@functools.lru_cache(maxsize=2)
def isolation(allow_network: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(command prefix, protections it adds): the strongest ``unshare`` this OS permits.

    A private PID namespace means the child is PID 1 of its own process tree: when it
    ends, the kernel kills everything it left behind (even processes that called
    setsid to leave our process group), and its /proc shows none of our processes
    (so it cannot read the server's environment). No network namespace is asked for
    when the user allows the network.
    """
    tool = shutil.which("unshare")
    if not tool or not sys.platform.startswith("linux"):
        return (), ()
    pid = ["--pid", "--fork", "--kill-child", "--mount-proc"]
    net = [] if allow_network else ["--net"]
    pid_names = ["own PID namespace (leftover processes die with the run; no view of other processes)"]
    net_names = [] if allow_network else ["no network (network namespace)"]
    for flags, names in ((pid + net, pid_names + net_names), (["--map-root-user"] + pid + net, pid_names + net_names),
                         (net, net_names), (["--map-root-user"] + net, net_names)):
        if not flags:
            continue
        prefix = [tool, *flags, "--"]
        try:
            ok = subprocess.run(prefix + ["true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=5).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return tuple(prefix), tuple(names)
    return (), ()


# What every child run gets, cold or forked by a warm worker; namespaces come on top where permitted.
BASE_PROTECTIONS = ("process-group kill", "stdin closed", "scratch cwd/HOME", "env allow-list", "output cap")


def truncation_note(dropped: int) -> str:
    return f"\n[tracefix: {dropped} more bytes of output not kept]"


class _Capped:
    """Drains a pipe in a thread, keeping at most ``cap`` bytes: floods cannot fill memory or block the child."""

    def __init__(self, pipe, cap: int):
        self.pipe = pipe
        self.cap = cap
        self.chunks: list[bytes] = []
        self.kept = 0
        self.dropped = 0
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while True:
            chunk = self.pipe.read1(65536) if hasattr(self.pipe, "read1") else self.pipe.read(65536)
            if not chunk:
                break
            room = self.cap - self.kept
            if room > 0:
                self.chunks.append(chunk[:room])
                self.kept += min(room, len(chunk))
            self.dropped += max(0, len(chunk) - max(room, 0))
        self.pipe.close()

    def text(self) -> str:
        self.thread.join(timeout=2)
        data = b"".join(self.chunks).decode("utf-8", errors="replace")
        if self.dropped:
            data += truncation_note(self.dropped)
        return data


def run(argv: list[str], cwd: str, home: str, timeout: float, output_bytes: int = 1_000_000,
        network: bool = False, cancel: threading.Event | None = None) -> ChildResult:
    """Run ``argv`` and always return: timeouts and cancellation kill the whole process group."""
    prefix, isolated = isolation(network)
    protections = [*BASE_PROTECTIONS, *isolated]
    started = time.perf_counter()
    proc = subprocess.Popen([*prefix, *argv], cwd=cwd, env=child_env(home), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    out = _Capped(proc.stdout, output_bytes)
    err = _Capped(proc.stderr, output_bytes)
    timed_out = False
    deadline = started + timeout
    while True:
        try:
            proc.wait(timeout=0.05)
            break
        except subprocess.TimeoutExpired:
            if time.perf_counter() > deadline:
                timed_out = True
                break
            if cancel is not None and cancel.is_set():
                break
    _kill_group(proc)
    return ChildResult(proc.returncode, out.text(), err.text(), timed_out,
                       (time.perf_counter() - started) * 1000, out.dropped + err.dropped, protections)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group: grandchildren and SIGTERM-ignoring code die too."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


@functools.lru_cache(maxsize=16)
def _probe_version(python: str, mtime: float) -> tuple[str, str]:
    try:
        done = subprocess.run([python, "-I", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", f"interpreter {python} could not start: {exc}"
    if done.returncode != 0:
        return "", f"interpreter {python} failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}"
    return done.stdout.strip(), ""


def resolve_python(setting: str) -> tuple[str, str, str]:
    """(path, version, problem). Empty setting → the interpreter tracefix itself runs on."""
    candidate = setting.strip() if setting else sys.executable
    path = candidate if os.sep in candidate else (shutil.which(candidate) or "")
    if not path or not os.path.exists(path):
        return "", "", f"Python interpreter not found: {candidate}"
    version, problem = _probe_version(path, os.path.getmtime(path))
    if problem:
        return "", "", problem
    if tuple(int(x) for x in version.split(".")[:2]) < (3, 9):
        return "", version, f"Python {version} at {path} is too old: tracefix needs 3.9 or newer"
    return path, version, ""
