"""The project's own files: which files are the project's, and which of them each test executed.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
"""
from __future__ import annotations

import os
import sys

from _tracefix_contract import Job


def module_name(job):
    """The document's dotted name, as the tests import it."""
    return job.get(Job.MODULE) or os.path.splitext(os.path.basename(job[Job.TARGET]))[0]


class Project:
    """Which files belong to the project: under its root, outside any environment or tracefix
    (``extra_excluded``: tracefix's own folders, the probe and its copy of pytest)."""

    def __init__(self, root, extra_excluded=()):
        self.root = os.path.abspath(root)
        # What pytest gets as --rootdir and path arguments: it compares the rootdir with the
        # working directory, which the OS reports resolved.
        self.real = os.path.realpath(root)
        self.bases = [self.root]
        if self.real != self.root:
            self.bases.append(self.real)
        candidates = {sys.prefix, sys.exec_prefix, getattr(sys, "base_prefix", sys.prefix), *extra_excluded}
        # An interpreter outside the project excludes nothing; a venv inside it excludes itself.
        self.excluded = [os.path.abspath(p) for p in candidates
                         if p and self._under(os.path.abspath(p)) and os.path.abspath(p) != self.root]
        self.cache = {}

    def _under(self, path):
        return any(path.startswith(base + os.sep) or path == base for base in self.bases)

    def rel(self, filename):
        """'pkg/mod.py' for a project file, None for anything else."""
        if not isinstance(filename, str) or not filename or filename.startswith("<"):
            return None
        known = self.cache.get(filename, False)
        if known is not False:
            return known
        path = os.path.normpath(os.path.join(self.root, filename))
        rel = None
        for base in self.bases:
            if path.startswith(base + os.sep):
                rel = path[len(base) + 1:]
                break
        if rel is not None:
            parts = rel.split(os.sep)
            if ("site-packages" in parts or "dist-packages" in parts
                    or any(path.startswith(e + os.sep) for e in self.excluded)):
                rel = None
            else:
                rel = "/".join(parts)
        self.cache[filename] = rel
        return rel


class CoverageMap:
    """Files of the project each test executed (3.12+): one PY_START per project code object per test.

    Two sys.monitoring tools, so that nothing outside the project ever reports twice:
    *discover* has PY_START as a global event and DISABLEs it at every code object the first
    time it runs (for the whole run), recording its file; at the next test's start a code
    object of a project file is given PY_START as a local event of *watch*, whose callback
    records its file and DISABLEs itself. At each test's start only the code objects *watch*
    reported in the previous test are re-armed (their local event switched off and on).
    ``sys.monitoring.restart_events`` would re-arm every location of every tool, after which
    each code object pytest runs would report, and be re-instrumented, again in every test.
    With one free tool id only, that is what this falls back to."""

    TOOL_IDS = (4, 3, 5)  # 0-2 are the debugger/coverage/profiler slots others (and our tracer) use

    def __init__(self, project):
        self.project = project
        self.files = set()
        self.fired = []  # code objects *watch* reported (and DISABLEd) in this test
        self.found = []  # code objects *discover* met since the last test started
        self.tools = []
        mon = sys.monitoring
        for tool in self.TOOL_IDS:
            try:
                mon.use_tool_id(tool, "tracefix-coverage")
            except ValueError:
                continue
            self.tools.append(tool)
            if len(self.tools) == 2:
                break
        self.tool = self.tools[0] if self.tools else None
        if self.tool is None:
            return
        disable = mon.DISABLE
        seen = self.files
        start = mon.events.PY_START
        if len(self.tools) == 1:
            def on_start(code, offset):
                seen.add(code.co_filename)
                return disable

            mon.register_callback(self.tool, start, on_start)
            mon.set_events(self.tool, start)
            return
        watch = self.tools[1]
        fired = self.fired
        found = self.found

        # Both callbacks call nothing written in Python (a call could fail at the user's recursion
        # limit and raise there): which discovered code objects are the project's is decided at
        # the next test's start.
        def on_discover(code, offset):
            seen.add(code.co_filename)
            found.append(code)
            return disable

        def on_watch(code, offset):
            seen.add(code.co_filename)
            fired.append(code)
            return disable

        mon.register_callback(self.tool, start, on_discover)
        mon.register_callback(watch, start, on_watch)
        mon.set_events(self.tool, start)

    @classmethod
    def create(cls, job, project):
        if not job.get(Job.COVERAGE_MAP) or not hasattr(sys, "monitoring"):
            return None  # 3.9-3.11: a settrace-based map would cost more than the run itself
        cov = cls(project)
        return cov if cov.tool is not None else None

    def start(self):
        self.files.clear()
        mon = sys.monitoring
        if len(self.tools) == 1:
            mon.restart_events()
            return
        watch, start = self.tools[1], mon.events.PY_START
        found = list(self.found)
        del self.found[:]  # the list the callback appends to
        for code in found:
            if self.project.rel(code.co_filename):
                mon.set_local_events(watch, code, start)
        for code in self.fired:
            mon.set_local_events(watch, code, 0)
            mon.set_local_events(watch, code, start)
        del self.fired[:]

    def stop(self):
        # Snapshot first: resolving paths runs Python code, which reports new code objects.
        seen = list(self.files)
        self.files.clear()
        return sorted({rel for rel in map(self.project.rel, seen) if rel})

    def close(self):
        mon = sys.monitoring
        for tool in self.tools:
            mon.set_events(tool, 0)
            mon.register_callback(tool, mon.events.PY_START, None)
            mon.free_tool_id(tool)
