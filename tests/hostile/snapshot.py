"""Byte-level snapshots of folders, to prove a hostile run changed nothing it must not touch.

A snapshot maps each path (relative to the root) to what identifies its content: regular
files by (mode, size, sha256), symlinks by their target (never followed), folders by mode,
anything else (FIFOs, sockets) by its file type. Two snapshots are equal exactly when
nothing was created, deleted, rewritten, re-pointed or chmod-ed.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

MAX_ENTRIES = 50_000  # a protected place is a venv or a HOME, not a disk: past this, say so


def snapshot(root: str | os.PathLike, max_entries: int = MAX_ENTRIES) -> dict[str, tuple]:
    root = Path(root)
    out: dict[str, tuple] = {}
    if not os.path.lexists(root):
        return out
    out["."] = _entry(root)
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(dirs) + sorted(files):
            full = Path(folder) / name
            out[str(full.relative_to(root))] = _entry(full)
            if len(out) > max_entries:
                raise RuntimeError(f"{root} holds more than {max_entries} entries: not a place to snapshot")
    return out


def _entry(path: Path) -> tuple:
    st = os.lstat(path)
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISDIR(st.st_mode):
        return ("dir", mode)
    if stat.S_ISREG(st.st_mode):
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return ("file", mode, st.st_size, digest.hexdigest())
    return ("other", stat.S_IFMT(st.st_mode), mode)


def diff(before: dict[str, tuple], after: dict[str, tuple], limit: int = 8) -> list[str]:
    """Human-readable differences, at most ``limit`` (empty = byte-identical)."""
    out = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        if a is None:
            out.append(f"created {path}")
        elif b is None:
            out.append(f"deleted {path}")
        else:
            out.append(f"changed {path}")
        if len(out) >= limit:
            out.append("...")
            break
    return out
