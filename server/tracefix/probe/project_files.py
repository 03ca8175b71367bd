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
    """Files of the project each test executed (3.12+): one PY_START per code object per test.

    Each code object reports once and then DISABLEs itself; ``sys.monitoring.restart_events``
    at the start of every test re-arms them all (the tracer does the same for its own tool)."""

    TOOL_IDS = (4, 3, 5)  # 0-2 are the debugger/coverage/profiler slots others (and our tracer) use

    def __init__(self, project):
        self.project = project
        self.files = set()
        self.tool = None
        mon = sys.monitoring
        for tool in self.TOOL_IDS:
            try:
                mon.use_tool_id(tool, "tracefix-coverage")
            except ValueError:
                continue
            self.tool = tool
            break
        if self.tool is None:
            return
        disable = mon.DISABLE
        seen = self.files

        def on_start(code, offset):
            seen.add(code.co_filename)
            return disable

        mon.register_callback(self.tool, mon.events.PY_START, on_start)
        mon.set_events(self.tool, mon.events.PY_START)

    @classmethod
    def create(cls, job, project):
        if not job.get(Job.COVERAGE_MAP) or not hasattr(sys, "monitoring"):
            return None  # 3.9-3.11: a settrace-based map would cost more than the run itself
        cov = cls(project)
        return cov if cov.tool is not None else None

    def start(self):
        self.files.clear()
        sys.monitoring.restart_events()

    def stop(self):
        # Snapshot first: resolving paths runs Python code, which reports new code objects.
        seen = list(self.files)
        self.files.clear()
        return sorted({rel for rel in map(self.project.rel, seen) if rel})

    def close(self):
        mon = sys.monitoring
        mon.set_events(self.tool, 0)
        mon.register_callback(self.tool, mon.events.PY_START, None)
        mon.free_tool_id(self.tool)
