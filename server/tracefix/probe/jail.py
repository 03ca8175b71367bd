"""Mount-namespace jail: the child may write only its scratch (DESIGN.md §5).

Run as ``python -I -S jail.py SPEC.json -- PROGRAM ARGS...`` by tracefix's own
interpreter inside ``unshare --user --map-root-user --mount --pid --fork``: it
reshapes this private mount namespace, then execs PROGRAM (the user's Python).
Running before the user's interpreter starts means not even a ``.pth`` file of
the project's venv executes outside the jail. The fork server imports this file
too and applies the per-job half (``job_jail``) in each forked job.

What the spec asks for (every key optional):
- ``overlay``: {"root", "upper", "work"[, "layers"]}: the project root becomes a copy-on-write
  overlay whose upper layer (prepared by the server, the unsaved buffer already
  in it) is per-run scratch: writes land there and vanish with the run; ``layers``
  (the bytecode cache) lie read-only between the upper layer and the real tree;
- ``writable``: folders that stay writable (the scratch); everything else that is
  mounted becomes read-only;
- ``readable``: what the run reads from /tmp, /var/tmp or /dev/shm (the interpreter, the
  probe, the job): those folders get a fresh tmpfs and only these come back, read-only;
- ``hide``: folders (tracefix's data and cache, credential folders) replaced by an
  empty read-only tmpfs, so the child cannot even read them;
- ``proc``: mount a /proc of this PID namespace (the server's processes vanish);
- ``lock``: enter a nested user namespace last: the mounts above are then locked
  (a child with root in our namespace could otherwise remount them writable).

Stdlib only, Linux only, Python 3.9+. Any failure is reported on stderr as one
line starting with "tracefix-jail:" and exits 121, so the server can fall back.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
# statvfs flag -> the mount flag that must be repeated on a remount (locked flags cannot be dropped).
_KEEP = ((2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC), (1024, MS_NOATIME), (2048, MS_NODIRATIME),
         (4096, MS_RELATIME))
JAIL_FAILED = 121

_libc = None


class JailError(Exception):
    pass


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
    return _libc


def _b(text):
    return None if text is None else os.fsencode(text)


def mount(source, target, fstype, flags, data=None):
    if _c().mount(_b(source), _b(target), _b(fstype), flags, _b(data)) != 0:
        err = ctypes.get_errno()
        raise JailError("mount %s on %s: %s" % (fstype or source or "bind", target, os.strerror(err)))


def unshare(flags):
    if _c().unshare(flags) != 0:
        raise JailError("unshare: " + os.strerror(ctypes.get_errno()))


def mount_points():
    """Mount points of this namespace, shortest first, from /proc/self/mountinfo."""
    points = []
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 4:
                raw = fields[4].decode("utf-8", "surrogateescape")
                points.append(raw.encode("latin-1", "backslashreplace").decode("unicode_escape")
                              if "\\" in raw else raw)
    return sorted(set(points), key=len)


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def readonly_all(keep):
    """Remount every mount read-only except those at or under ``keep``; returns what could not be."""
    failed = []
    for point in mount_points():
        if any(_inside(point, k) for k in keep) or _inside(point, "/proc"):
            continue
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue
        extra = 0
        for stat_flag, mount_flag in _KEEP:
            if flags & stat_flag:
                extra |= mount_flag
        try:
            mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | extra)
        except JailError:
            failed.append(point)
    return failed


def overlay(root, upper, work, layers=()):
    """The project root as a copy-on-write overlay: reads see the real tree, writes go to ``upper``.

    ``layers``: read-only folders laid over the real tree, under ``upper`` (the bytecode cache's
    ``__pycache__`` folders); where the kernel refuses them the overlay is made without."""
    for path in (root, upper, work):
        if "," in path or ":" in path:
            raise JailError("overlay: a path with ',' or ':' cannot be used: " + path)
    layers = tuple(p for p in layers if "," not in p and ":" not in p)  # a cache that cannot be named is left out
    plain = "upperdir=%s,workdir=%s" % (upper, work)
    attempts = ["lowerdir=%s,%s" % (":".join(tuple(layers) + (root,)), plain)] if layers else []
    attempts.append("lowerdir=%s,%s" % (root, plain))
    for i, options in enumerate(attempts):
        try:
            try:
                mount("overlay", root, "overlay", 0, options)
            except JailError:
                mount("overlay", root, "overlay", 0, options + ",userxattr")  # kernels that want it in user namespaces
            return bool(layers) and i == 0
        except JailError:
            if i == len(attempts) - 1:
                raise
    return False


def fresh_tmpfs(target, writable, readable, size="512m"):
    """A fresh tmpfs on ``target`` (other runs' and programs' files vanish from view); the folders
    this run needs that lived under it are bound back at the same path, writable or read-only."""
    wanted = [(p, True) for p in writable] + [(p, False) for p in readable]
    inside = []
    for p, rw in sorted(wanted, key=lambda item: (len(item[0]), not item[1])):
        # Skip what a parent already brings back with at least the same rights.
        covered = any(_inside(p, q) and (q_rw or not rw) for q, q_rw in inside)
        if _inside(p, target) and p != target and os.path.exists(p) and not covered:
            inside.append((p, rw))
    fds = [(p, rw, os.open(p, os.O_PATH)) for p, rw in inside]
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=" + size)
    for p, rw, fd in fds:
        if not os.path.lexists(p):  # else a parent bound earlier already holds the mount point
            if os.path.isdir("/proc/self/fd/%d" % fd):
                os.makedirs(p, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(p), exist_ok=True)
                open(p, "a").close()
        mount("/proc/self/fd/%d" % fd, p, None, MS_BIND | MS_REC)
        if not rw:
            mount(None, p, None, MS_BIND | MS_REMOUNT | MS_RDONLY)
        os.close(fd)


def hide(paths):
    for path in paths:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=555")


def lock():
    """Nested user namespace: every mount made so far becomes locked for whatever runs next."""
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER)
    for name, text in (("setgroups", "deny"), ("uid_map", "%d %d 1" % (uid, uid)), ("gid_map", "%d %d 1" % (gid, gid))):
        with open("/proc/self/" + name, "w") as f:
            f.write(text)


def apply(spec):
    """Reshape this mount namespace as ``spec`` says; returns the mounts that could not be made read-only."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    writable = [os.path.realpath(w) for w in spec.get("writable", [])]
    for w in writable:
        mount(w, w, None, MS_BIND | MS_REC)  # its own mount: the read-only pass below skips it
    ov = spec.get("overlay")
    if ov:
        overlay(ov["root"], ov["upper"], ov["work"], tuple(ov.get("layers", ())))
    keep = writable + ([ov["root"]] if ov else [])
    failed = readonly_all(keep)
    # As given and resolved: a venv's bin/python is a symlink whose own path must exist too.
    readable = [p for r in spec.get("readable", []) for p in (os.path.abspath(r), os.path.realpath(r))]
    for target in ("/tmp", "/dev/shm", "/var/tmp"):
        if os.path.isdir(target) and not any(_inside(target, k) for k in keep):
            fresh_tmpfs(target, keep, readable)
    hide([h for h in spec.get("hide", []) if not any(_inside(w, h) for w in keep)])
    if spec.get("proc"):
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    return failed


def _exit_like(status):
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def init_then_child():
    """Fork; the parent stays as this namespace's init (reaps orphans, exits with the child's status),
    the child returns. User code must not be PID 1: PID 1 ignores signals it has no handler for."""
    pid = os.fork()
    if pid == 0:
        return
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(JAIL_FAILED)
        if done == pid:
            _exit_like(status)


def job_jail(spec):
    """In a forked job of the fork server: own mount and PID namespaces, ``apply``, ``lock``.

    Returns in the job's process (PID 2 of its namespace, under a small init); the
    processes above it wait and exit with its status, so the fork server sees one job.
    """
    unshare(CLONE_NEWNS | CLONE_NEWPID)
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        _exit_like(status)
    apply(spec)
    init_then_child()
    lock()


def main(argv):
    try:
        split = argv.index("--")
        with open(argv[1], encoding="utf-8") as f:
            spec = json.load(f)
        failed = apply(spec)
        if failed and spec.get("strict", True) and "/" in failed:
            raise JailError("could not make / read-only")
        init_then_child()
        if spec.get("lock", True):
            lock()
        program = argv[split + 1:]
        os.execv(program[0], program)
    except (JailError, OSError, ValueError, IndexError) as exc:
        sys.stderr.write("tracefix-jail: %s\n" % exc)
        sys.stderr.flush()
        os._exit(JAIL_FAILED)


if __name__ == "__main__":
    main(sys.argv)
