"""Helper text prepended to the cross-run documents (docs.py): which processes a job may attack.

A job's targets are PID 1 and its parent as it sees them — in tracefix's sandbox, the warm
fork server that every later run is forked from. Fenced so that this corpus can never hurt
the machine running it: never itself, never a process in the PID namespace the test suite
runs in (CONFIG["outer_ns"]), and only Python processes.
"""
import os


def _pid_ns(pid):
    try:
        return os.readlink("/proc/%d/ns/pid" % pid)
    except OSError:
        return None


def victims():
    out = []
    for pid in sorted({1, os.getppid()}):
        if pid in (0, os.getpid()):
            continue
        ns = _pid_ns(pid)
        if ns is None or ns == CONFIG["outer_ns"]:  # noqa: F821 - prepended by docs.py
            continue
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if b"python" not in f.read():
                    continue
        except OSError:
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
