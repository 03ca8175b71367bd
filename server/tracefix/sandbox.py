"""Run a child process the way DESIGN.md §5 asks: limited, isolated, killable.

The child gets a scratch HOME and TMPDIR, closed stdin, an environment built from an
allow-list (no API keys or cloud credentials), rlimits (applied by the probe's
runner before any user code), a wall timeout that kills the whole process group,
captured and capped output and, where Linux permits user namespaces, the jail of
``probe/jail.py``: it can write only its scratch, sees the project as a copy-on-write
overlay, and has no network. Nothing here imports user code.
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
        number = 0
        if self.returncode is not None and self.returncode < 0:
            number = -self.returncode
        elif self.returncode is not None and 128 < self.returncode < 160 and JAIL_PROTECTIONS[0] in self.protections:
            number = self.returncode - 128  # the jail's init exits 128+N for a child killed by signal N
        if not number:
            return ""
        try:
            return signal.Signals(number).name
        except ValueError:
            return f"signal {number}"


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


JAIL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe", "jail.py")
JAIL_PROTECTIONS = (
    "own user, mount and PID namespaces",
    "project as a copy-on-write overlay (the run's writes vanish)",
    "read-only filesystem except the run's scratch (site-packages, HOME, tracefix's data included)",
    "private /tmp and /dev/shm",
    "tracefix's data and cache folders hidden",
    "mounts locked by a nested user namespace",
)


def _unshare_flags(allow_network: bool) -> list[str]:
    return ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child",
            *([] if allow_network else ["--net"])]


@functools.lru_cache(maxsize=2)
def isolation(allow_network: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(command prefix up to the jail, protections): the jail when this OS permits it.

    The prefix ends with ``jail.py``; the caller appends ``SPEC -- PROGRAM ARGS``.
    An empty prefix means no namespaces here (not Linux, no ``unshare``, or user
    namespaces refused): runs then have only the base protections, and doctor says so.
    """
    why = jail_unavailable(allow_network)
    if why:
        return (), ()
    prefix = [shutil.which("unshare"), *_unshare_flags(allow_network), "--", sys.executable, "-I", "-S", JAIL]
    names = [*JAIL_PROTECTIONS, *([] if allow_network else ["no network (network namespace)"])]
    return tuple(prefix), tuple(names)


@functools.lru_cache(maxsize=2)
def jail_unavailable(allow_network: bool = False) -> str:
    """"" when the jail works here, else one line saying why not."""
    tool = shutil.which("unshare")
    if not sys.platform.startswith("linux"):
        return f"no mount namespaces on {sys.platform}"
    if not tool:
        return "the unshare command (util-linux) is not installed"
    import json
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tracefix-jailcheck-") as scratch:
        spec = os.path.join(scratch, "spec.json")
        lower, upper, work = (os.path.join(scratch, d) for d in ("lower", "upper", "work"))
        for d in (lower, upper, work):
            os.mkdir(d)
        with open(spec, "w", encoding="utf-8") as f:
            json.dump({"overlay": {"root": lower, "upper": upper, "work": work}, "writable": [scratch],
                       "proc": True}, f)
        argv = [tool, *_unshare_flags(allow_network), "--", sys.executable, "-I", "-S", JAIL, spec, "--", "/bin/true"]
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"the namespace check failed: {exc}"
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        return "namespaces refused here: " + (lines[-1] if lines else f"exit code {done.returncode}")
    return ""


# What every child run gets, cold or forked by a warm worker; namespaces come on top where permitted.
BASE_PROTECTIONS = ("process-group kill", "stdin closed", "scratch HOME/TMPDIR", "env allow-list", "output cap")


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


def jailed(argv: list[str], spec: dict, scratch: str, network: bool) -> tuple[list[str], list[str]]:
    """(argv run inside the jail described by ``spec``, protections); argv unchanged where no jail exists."""
    prefix, isolated = isolation(network)
    if not prefix:
        return argv, list(BASE_PROTECTIONS)
    import json

    spec_file = os.path.join(scratch, "jail.json")
    with open(spec_file, "w", encoding="utf-8") as f:
        json.dump(spec, f)
    return [*prefix, spec_file, "--", *argv], [*BASE_PROTECTIONS, *isolated]


def run(argv: list[str], cwd: str, home: str, timeout: float, output_bytes: int = 1_000_000,
        network: bool = False, cancel: threading.Event | None = None, jail: dict | None = None,
        env: dict[str, str] | None = None) -> ChildResult:
    """Run ``argv`` and always return: timeouts and cancellation kill the whole process group.

    ``jail``: the jail spec (see probe/jail.py); by default the child may write only ``home``."""
    spec = jail if jail is not None else {
        "writable": [home], "proc": True,
        "readable": [cwd, *(a for a in argv if os.path.isabs(a) and os.path.exists(a))]}
    argv, protections = jailed(argv, spec, home, network)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=child_env(home, env), stdin=subprocess.DEVNULL,
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
