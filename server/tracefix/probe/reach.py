"""Which project modules a test module can reach, read without running user code, and where the
document's own dotted name imports from.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
"""
from __future__ import annotations

import os
import sys
import types

from _tracefix_outcomes import MESSAGE_CHARS, exc_text
from _tracefix_project_files import module_name

REACH_MAX_MODULES = 2000  # per test module: reach is a hint for the server, not a proof
REACH_MAX_GLOBALS = 20000  # names looked at per module
_MODULE_DICT = types.ModuleType.__dict__["__dict__"]
_TYPE_DICT = type.__dict__["__dict__"]


class Reach:
    """Project modules a test module can reach through what its globals refer to.

    Everything is read raw (module and class ``__dict__`` through their C descriptors, a
    function's ``__globals__``, ``type()``), so no user ``__getattr__``, property or metaclass
    hook runs. Modules are told apart by their file, not their name: every conftest.py is
    "conftest". A package reached only because one of its modules was imported (its
    __init__.py ran) is not followed into the other submodules the import system hung on it;
    a package the code refers to itself (``import pkg.mod`` binds ``pkg``) is. Edges are
    cached across the test modules of one collection."""

    def __init__(self, project):
        self.project = project
        self.namespaces = {}  # project file -> its module's namespace
        self.edges = {}  # (project file, followed fully) -> {(project file, follow fully)}

    def _file(self, namespace):
        rel = self.project.rel(namespace.get("__file__")) if namespace is not None else None
        if rel:
            self.namespaces.setdefault(rel, namespace)
        return rel

    def of_test_module(self, path, module, items):
        start = self._file(_namespace(module))
        seeds = [start] + [self._file(ns) for item in items for ns in _fixture_namespaces(item)]
        seen, full = set(), set()
        queue = [(s, True) for s in seeds if s]
        while queue and len(seen) < REACH_MAX_MODULES:
            file, follow = queue.pop()
            if file in full or (file in seen and not follow):
                continue
            seen.add(file)
            if follow:
                full.add(file)
            queue.extend(self._neighbours(file, follow))
        seen.discard(start)
        names = {self.namespaces[f].get("__name__") for f in seen}
        return {"file": path, "modules": sorted(n for n in names if isinstance(n, str)), "files": sorted(seen)}

    def _neighbours(self, file, follow):
        cached = self.edges.get((file, follow))
        if cached is not None:
            return cached
        namespace = self.namespaces[file]
        name = namespace.get("__name__")
        name = name if isinstance(name, str) else ""
        out = set()
        for i, value in enumerate(list(namespace.values())):
            if i >= REACH_MAX_GLOBALS:
                break
            target_ns = _namespace_of(value)
            if not follow and issubclass(type(value), types.ModuleType) and str(
                    (target_ns or {}).get("__name__")).startswith(name + "."):
                continue  # a submodule the import system set on its package
            out.add((self._file(target_ns), True))
        # Importing pkg.mod ran pkg/__init__.py: the parent packages are reached too.
        parts = name.split(".") if name else []
        for i in range(1, len(parts)):
            out.add((self._file(_module_namespace(".".join(parts[:i]))), False))
        out = {(f, how) for f, how in out if f and f != file}
        self.edges[(file, follow)] = out
        return out


def _namespace(module):
    try:
        return _MODULE_DICT.__get__(module)
    except Exception:
        return None


def _module_namespace(name):
    module = sys.modules.get(name) if isinstance(name, str) else None
    # issubclass on type(): isinstance would consult a user-defined __class__.
    return _namespace(module) if issubclass(type(module), types.ModuleType) else None


def _namespace_of(value):
    """The namespace of the module a global stands for: itself, or where its function, class or
    instance's class was defined."""
    kind = type(value)
    if issubclass(kind, types.ModuleType):
        return _namespace(value)
    if kind is types.FunctionType:
        return value.__globals__
    if kind is types.MethodType:
        return _namespace_of(value.__func__)
    cls = value if issubclass(kind, type) else kind
    try:
        return _module_namespace(_TYPE_DICT.__get__(cls).get("__module__"))
    except Exception:
        return None


def _fixture_namespaces(item):
    """Namespaces of the modules defining the fixtures an item uses (conftest.py and the like)."""
    out = []
    info = getattr(item, "_fixtureinfo", None)
    for defs in getattr(info, "name2fixturedefs", {}).values():
        for fixturedef in defs or ():
            func = getattr(fixturedef, "func", None)
            if func is not None:
                out.append(_namespace_of(func))
    return out


def doc_module(job):
    """Where the document's dotted name resolves in this environment, as the tests would import it."""
    import importlib

    name = module_name(job)
    try:
        module = importlib.import_module(name)
    except BaseException as exc:  # its import is user code: anything may come out of it
        return {"name": name, "file": "", "error": exc_text(exc)[:MESSAGE_CHARS]}
    file = (_namespace(module) or {}).get("__file__")
    return {"name": name, "file": os.path.abspath(file) if isinstance(file, str) else "", "error": ""}
