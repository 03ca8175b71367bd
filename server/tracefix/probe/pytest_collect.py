"""Collect mode: which tests the project's pytest finds, and what each test module can reach.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
"""
from __future__ import annotations

import os
import types

from _tracefix_contract import KIND_PYTEST, Job, Rec
from _tracefix_pytest_call import base_args, call_pytest, collect_guard, load_pytest_recorded
from _tracefix_pytest_session import SessionPlugin
from _tracefix_reach import Reach, doc_module


class CollectPlugin(SessionPlugin):
    """Writes every collected test, what each test module can reach, and where the document imports from."""

    def __init__(self, job, project, results):
        super().__init__(job, project)
        self.results = results

    def pytest_collection_finish(self, session):
        records = []
        by_module = {}
        for item in session.items:
            path = self._item_path(item)
            location = getattr(item, "location", None) or ("", None, "")
            line = location[1] + 1 if isinstance(location[1], int) else 0
            records.append({Rec.COLLECTED: {"id": item.nodeid, "file": path, "line": line, "kind": KIND_PYTEST}})
            module = self._module_of(item)
            if module is not None:
                entry = by_module.setdefault(id(module), (path, module, []))
                entry[2].append(item)
        self.results.records(records)
        reach = Reach(self.project)
        self.results.records([{Rec.REACH: reach.of_test_module(path, module, items)}
                              for path, module, items in by_module.values()])
        self.results.record({Rec.DOC_MODULE: doc_module(self.job)})

    def _item_path(self, item):
        path = getattr(item, "path", None) or getattr(item, "fspath", None)
        if path is not None:
            rel = os.path.relpath(os.path.abspath(str(path)), self.project.real)
            return rel.replace(os.sep, "/")
        return item.nodeid.split("::", 1)[0]

    @staticmethod
    def _module_of(item):
        """The imported test module of a Python test item (not doctest items: no second import)."""
        import pytest

        if not isinstance(item, pytest.Function):
            return None
        parent = item.getparent(pytest.Module)
        try:
            module = parent.obj if parent is not None else None
        except Exception:
            return None
        return module if issubclass(type(module), types.ModuleType) else None

    def report_errors(self, problem):
        records = [{Rec.COLLECT_ERROR: {"file": file, "message": line}} for _, file, line in self.collect_errors]
        if problem and not self.collect_errors:
            file, message = "", problem  # "" : the whole session, not one file
            if problem.startswith("could not import "):
                file, _, message = problem[len("could not import "):].partition(": ")
            records.append({Rec.COLLECT_ERROR: {"file": file, "message": message}})
        self.results.records(records)

def collect_pytest(job, results, project):
    """Collect the job's paths (else pytest's own testpaths) with the project's pytest; never run a test."""
    pytest, version, problem = load_pytest_recorded(job, results)
    if pytest is None:
        return
    paths = list(job.get(Job.COLLECT_PATHS) or [])
    present = [p for p in paths if os.path.exists(os.path.join(project.real, p))]
    results.records([{Rec.COLLECT_ERROR: {"file": p.replace(os.sep, "/"), "message": "file or folder not found"}}
                     for p in paths if p not in present])
    if paths and not present:
        return
    plugin = CollectPlugin(job, project, results)
    args = (base_args(version, project.real) + ["--collect-only"] + list(job.get(Job.PYTEST_ARGS, []))
            + [os.path.join(project.real, p) for p in present])
    code, out, err, raised = call_pytest(pytest, args, [plugin, collect_guard(pytest)], project)
    plugin.report_errors(plugin.problem(code, out, err, raised))
