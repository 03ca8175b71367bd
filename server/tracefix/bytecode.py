"""A warm worker's bytecode cache: the project's compiled modules and pytest's rewritten test files,
written by a job that runs no user code and seen read-only by every test run (DESIGN.md §1 step 3, §5).

Why: runs have PYTHONDONTWRITEBYTECODE and a copy-on-write project, so without it every run
re-parses and re-compiles the project and pytest re-rewrites the asserts of every test module
(on toolz, 60% of a run's time).

How, safely:
- One *generation* is a folder of ``__pycache__`` folders mirroring the project tree, inside the
  fork server's home (the one place it may write; outside every test run's view: /tmp is private
  there). A compile-mode job (probe/bytecode.py), forked like any job but running only the parser
  and the compiler, writes a new generation; unchanged files' pycs are hard-linked from the last
  one. A generation is never modified once published, and removed when no run uses it.
- A run gets the newest generation as a read-only layer of its project overlay, between its
  per-run upper layer and the real tree, so Python and pytest find the pycs where they look
  anyway. Nothing a run writes reaches a generation: its writes land in its own upper layer.
- Every pyc validates itself against the source the run sees: modules are CHECKED_HASH pycs
  (the import system hashes the source), pytest's own pycs carry a source hash (pytest 9) or
  mtime and size (6.2-8.x; files changed within the last ``RACY_S`` seconds are not cached then).
  The document's own pycs are also shadowed in the run's upper layer by empty files: the buffer
  is always compiled from its text.
"""
from __future__ import annotations

import fnmatch
import os
import shutil
import threading
import time
from typing import Callable

from tracefix.project import Project

RACY_S = 2.0  # a pytest < 9 pyc of a file modified this recently is not written (mtime has 1 s resolution)
MAX_FILES = 3000  # sources per project; larger trees keep the rest uncached
MAX_ENTRIES = 50_000  # names looked at per refresh: a huge tree is not walked to its end after every run
RETRY_AFTER_FAILURE_S = 600.0  # a compile job that failed (a timeout on a huge tree) is not retried at once
SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", "build", "dist"}

# One compile: (generation folder, test files to rewrite, modules to compile) -> succeeded.
Compile = Callable[[str, list, list], bool]


def disabled() -> bool:
    """TRACEFIX_NO_BYTECODE_CACHE=1 turns the cache off (for A/B measurements)."""
    return os.environ.get("TRACEFIX_NO_BYTECODE_CACHE", "") not in ("", "0")


def sources(project: Project, limit: int = MAX_FILES) -> dict[str, tuple[int, int]]:
    """{path relative to the root: (mtime_ns, size)} of the project's .py files, venvs and hidden folders left out."""
    root = project.root
    patterns = project.norecursedirs
    found: dict[str, tuple[int, int]] = {}
    seen = 0
    for folder, dirs, files in os.walk(root):
        seen += len(dirs) + len(files)
        if seen > MAX_ENTRIES:
            return found
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS
                         and not any(fnmatch.fnmatch(d, p) for p in patterns)
                         and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            found[os.path.relpath(path, root)] = (st.st_mtime_ns, st.st_size)
            if len(found) >= limit:
                return found
    return found


def rewritten_by_pytest(project: Project, rel: str) -> bool:
    """Test files (the ini's python_files) and conftest.py: pytest rewrites their asserts."""
    name = os.path.basename(rel)
    if name == "conftest.py":
        return True
    return any(fnmatch.fnmatch(rel if "/" in p else name, p) for p in project.python_files)


def pass_hook_set(project: Project) -> bool:
    """enable_assertion_pass_hook changes the rewritten code: such projects get no rewritten pycs."""
    return "enable_assertion_pass_hook" in project.ini or any(
        "enable_assertion_pass_hook" in a for a in project.pytest_args())


def _pycs(folder: str, rel: str) -> list[str]:
    """The pycs of source ``rel`` in generation ``folder`` (relative paths)."""
    cache = os.path.join(os.path.dirname(rel), "__pycache__")
    stem = os.path.basename(rel)[:-3] + "."
    try:
        names = os.listdir(os.path.join(folder, cache))
    except OSError:
        return []
    return [os.path.join(cache, n) for n in sorted(names) if n.startswith(stem) and n.endswith(".pyc")]


def _makedirs_under(top: str, path: str) -> None:
    """``os.makedirs(path)`` below ``top`` only: raises when ``top`` itself is gone (the worker closed)."""
    if not os.path.isdir(top):
        raise FileNotFoundError(top)
    os.makedirs(path, exist_ok=True)


def shadow(layer: str, project: Project, doc_path: str, upper: str) -> None:
    """Hide the document's cached pycs from a run: an empty file over each (Python and pytest then compile
    the buffer; an empty pyc is "invalid", never an error)."""
    rel = os.path.relpath(os.path.realpath(doc_path), project.root)
    if rel.startswith("..") or not rel.endswith(".py"):
        return
    for pyc in _pycs(layer, rel):
        target = os.path.join(upper, pyc)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "wb").close()


class Cache:
    """Generations of one warm worker's bytecode cache (``home``/pyc/N)."""

    def __init__(self, home: str):
        self.base = os.path.join(home, "pyc")
        os.makedirs(self.base, mode=0o700, exist_ok=True)
        self.lock = threading.Lock()
        self.count = 0
        self.current: str | None = None
        self.manifest: dict[str, dict] = {}  # rel -> {"stat": [mtime_ns, size], "pycs": [...], "fresh": bool}
        self.users: dict[str, int] = {}
        self.busy = False
        self.again = False
        self.paused_until = 0.0
        self.closed = False  # the worker is going: no refresh starts, a running one stops at its next step
        self.idle = threading.Event()  # set while no refresh runs (tests wait on it, never on time)
        self.idle.set()

    # -- runs ---------------------------------------------------------------------------------------
    def acquire(self) -> str | None:
        """The newest generation, kept until :meth:`release`; None when there is none yet."""
        with self.lock:
            if self.current is None:
                return None
            self.users[self.current] = self.users.get(self.current, 0) + 1
            return self.current

    def release(self, layer: str) -> None:
        with self.lock:
            self.users[layer] = self.users.get(layer, 1) - 1
            if self.users[layer] <= 0:
                del self.users[layer]
                if layer != self.current:
                    shutil.rmtree(layer, ignore_errors=True)

    # -- refresh ------------------------------------------------------------------------------------
    def refresh(self, project: Project, compile: Compile) -> None:
        """Bring the cache up to date with the project on disk, in the background; one refresh at a time
        (a request during one makes it go round once more)."""
        with self.lock:
            if self.closed:
                return
            if self.busy:
                self.again = True
                return
            if time.monotonic() < self.paused_until:
                return
            self.busy = True
            self.idle.clear()
        threading.Thread(target=self._loop, args=(project, compile), daemon=True, name="tracefix-bytecode").start()

    def close(self) -> None:
        """Stop refreshing: the worker's home is about to be removed, and a refresh still running would
        create its folders again (``os.makedirs``) and leave them behind in the user's TMPDIR."""
        with self.lock:
            self.closed = True

    def _loop(self, project: Project, compile: Compile) -> None:
        try:
            while True:
                with self.lock:
                    self.again = False
                if not self.update(project, compile):
                    with self.lock:
                        self.paused_until = time.monotonic() + RETRY_AFTER_FAILURE_S
                with self.lock:
                    if not self.again:
                        return
        except Exception:  # the cache only makes runs faster: never let it break one
            return
        finally:
            with self.lock:
                self.busy = False
            self.idle.set()

    def update(self, project: Project, compile: Compile) -> bool:
        """One refresh, in this thread; False when the compile job failed."""
        started = time.time()
        files = sources(project)
        old, old_folder = self.manifest, self.current
        changed = [rel for rel, st in files.items()
                   if rel not in old or tuple(old[rel]["stat"]) != st or (old[rel]["fresh"] and not old[rel]["pycs"])]
        if not changed and set(files) == set(old):
            return True
        with self.lock:
            if self.closed:
                return True
            self.count += 1
            folder = os.path.join(self.base, str(self.count))
        os.mkdir(folder, 0o700)  # never makedirs: a removed home must stay removed
        todo = set(changed)
        manifest: dict[str, dict] = {}
        for rel, st in files.items():
            if rel in todo:
                continue
            entry = old[rel]
            if self.closed:
                return True
            for pyc in entry["pycs"]:
                target = os.path.join(folder, pyc)
                _makedirs_under(folder, os.path.dirname(target))
                os.link(os.path.join(old_folder, pyc), target)
            manifest[rel] = entry
        hook = pass_hook_set(project)
        rewrite = [os.path.join(project.root, r) for r in changed if rewritten_by_pytest(project, r)]
        modules = [os.path.join(project.root, r) for r in changed if not rewritten_by_pytest(project, r)]
        if not compile(folder, [] if hook else rewrite, modules):
            shutil.rmtree(folder, ignore_errors=True)
            return False
        for rel in changed:
            mtime_ns, _size = files[rel]
            manifest[rel] = {"stat": list(files[rel]), "pycs": _pycs(folder, rel),
                             # retried at the next refresh when skipped for being racy (a clock-skewed
                             # future mtime is not: it would be recompiled at every refresh)
                             "fresh": started - RACY_S - 1 < mtime_ns / 1e9 < started + 5}
        with self.lock:
            previous, self.current, self.manifest = self.current, folder, manifest
            if previous is not None and not self.users.get(previous):
                shutil.rmtree(previous, ignore_errors=True)
        return True
