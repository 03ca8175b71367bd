"""The server's side of the probe contract: ``probe/contract.py`` itself, loaded by path.

The very file the child loads (never a copy, never imported as a package: the probe folder is
not one), so the two sides cannot drift; a child that speaks another version is refused with
``version_problem``. See probe/contract.py for what each name means.
"""
from __future__ import annotations

import importlib.util
import os

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe", "contract.py")


def _load():
    spec = importlib.util.spec_from_file_location("tracefix._probe_contract", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_probe = _load()
VERSION = _probe.VERSION
Job, Rec, Result, Trace, Cut, Budget, Verb = (_probe.Job, _probe.Rec, _probe.Result, _probe.Trace, _probe.Cut,
                                            _probe.Budget, _probe.Verb)
MODE_RUN, MODE_COLLECT, MODE_COMPILE = _probe.MODE_RUN, _probe.MODE_COLLECT, _probe.MODE_COMPILE
KIND_PYTEST, KIND_DOCTEST, KIND_SCRIPT = _probe.KIND_PYTEST, _probe.KIND_DOCTEST, _probe.KIND_SCRIPT
LIMIT_CPU, LIMIT_MEMORY, LIMIT_FILE, LIMIT_FILES, LIMIT_PROCESSES = (
    _probe.LIMIT_CPU, _probe.LIMIT_MEMORY, _probe.LIMIT_FILE, _probe.LIMIT_FILES, _probe.LIMIT_PROCESSES)
BACKEND_AUTO = _probe.BACKEND_AUTO
choose_backend = _probe.choose_backend
version_problem = _probe.version_problem
