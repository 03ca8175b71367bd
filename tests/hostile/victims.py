"""Helper text prepended to the cross-run documents (docs.py): which processes a job may attack.

A job's targets are PID 1 and its parent as it sees them — in tracefix's sandbox, the warm
fork server that every later run is forked from. Fenced so that this corpus can never hurt
the machine running it: never itself, only Python processes, and in the PID namespace the
test suite runs in (CONFIG["outer_ns"]) nothing but the job's own parent fork server.
"""
import os


def _pid_ns(pid):
    try:
        return os.readlink("/proc/%d/ns/pid" % pid)
    except OSError:
        return None


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def victims():
    out = []
    for pid in sorted({1, os.getppid()}):
        if pid in (0, os.getpid()):
            continue
        ns, cmd = _pid_ns(pid), _cmdline(pid)
        if ns is None or b"python" not in cmd:
            continue
        if ns == CONFIG["outer_ns"]:  # noqa: F821 - prepended by docs.py
            # Without a PID namespace (tracefix's fallback sandbox) only this job's own parent, and only
            # when it is tracefix's fork server: an ancestor, so nothing else on the machine is touched.
            if pid != os.getppid() or b"forkserver" not in cmd:
                continue
        out.append(pid)
    return out


def poke(pid, address, expect, data):
    """Write ``data`` at ``address`` in ``pid``'s memory if ``expect`` is there (same layout after fork)."""
    try:
        with open("/proc/%d/mem" % pid, "r+b", buffering=0) as mem:
            mem.seek(address)
            if mem.read(len(expect)) != expect:
                return False
            mem.seek(address)
            mem.write(data)
            return True
    except (OSError, ValueError, OverflowError):
        return False
