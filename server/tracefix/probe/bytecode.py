"""Compile mode: write one generation of a project's bytecode cache, running none of its code.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter,
forked by the warm fork server into a jail where the project is read-only and the only writable
folders are the job's scratch and the new generation's folder (``Job.COMPILE["dest"]``). Test
runs later see that folder as a read-only lower layer of their project overlay, under the real
tree, so its ``__pycache__`` folders look like the project's own (server side: tracefix.bytecode).

Two kinds of files, each in the format its reader validates on every load:
- modules: ``py_compile`` with CHECKED_HASH, so the import system hashes the source it sees (the
  run's buffer included) and uses the pyc only when the hash matches;
- test files and conftest.py: pytest's own assertion rewriting (``_pytest.assertion.rewrite``:
  ``_rewrite_test`` and ``_write_pyc`` of the installed version), in the pyc pytest reads even under
  PYTHONDONTWRITEBYTECODE. pytest 9 validates it by source hash; 6.2-8.x by source mtime and size:
  a file modified within ``racy_s`` seconds is not cached (git's racy-clean rule: a later change in
  the same second would otherwise keep mtime and size).

Parsing and compiling never execute the code; importing ``_pytest.assertion.rewrite`` loads
pytest, not the project's plugins or conftest files.
"""
from __future__ import annotations

import os
import sys
import time

from _tracefix_contract import Job, Rec


class _State:
    """What ``_write_pyc`` asks of pytest's AssertionState."""

    @staticmethod
    def trace(*_args):
        pass


class _Config:
    """What ``rewrite_asserts`` asks of pytest's Config: the one ini option that changes the code (the
    server sends no test file of a project that sets it)."""

    @staticmethod
    def getini(name):
        if name == "enable_assertion_pass_hook":
            return False
        raise ValueError(name)


def _pycache(dest, root, source):
    rel = os.path.relpath(os.path.dirname(source), root)
    return os.path.normpath(os.path.join(dest, rel, "__pycache__"))


def _rewriter(job):
    """pytest's rewrite module: the one a run would use (the interpreter's own, else tracefix's copy)."""
    from pathlib import Path

    try:
        from _pytest.assertion import rewrite
    except ImportError:
        sys.path.extend(job.get(Job.PYTEST_FALLBACK, []))
        try:
            from _pytest.assertion import rewrite
        except Exception:
            return None, None
    except Exception:
        return None, None
    needed = ("_rewrite_test", "_write_pyc", "PYC_TAIL")
    if not all(hasattr(rewrite, name) for name in needed):
        return None, None
    return rewrite, Path


def _rewrite_one(rewrite, path_type, source, folder, config, racy_s):
    """pytest's rewritten pyc of ``source`` in ``folder``; False when it is not written."""
    source_key, code = rewrite._rewrite_test(path_type(source), config)
    if isinstance(source_key, os.stat_result) and source_key.st_mtime > time.time() - racy_s:
        return False  # validated by mtime and size: too fresh to tell a later same-second change apart
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(source)[:-3] + rewrite.PYC_TAIL
    return bool(rewrite._write_pyc(_State(), code, source_key, path_type(os.path.join(folder, name))))


def _compile_one(source, folder):
    import py_compile

    os.makedirs(folder, exist_ok=True)
    stem = os.path.basename(source)[:-3]
    target = os.path.join(folder, "%s.%s.pyc" % (stem, sys.implementation.cache_tag))
    py_compile.compile(source, cfile=target, dfile=source, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return True


def compile_layer(job, results):
    """Write the pycs of ``job[COMPILE]``'s files under its ``dest``; one record with the counts."""
    spec = job[Job.COMPILE]
    root, dest = spec["root"], spec["dest"]
    racy_s = float(spec.get("racy_s", 2))
    rewrite, path_type = _rewriter(job) if spec.get("rewrite") else (None, None)
    config = _Config()
    written = failed = skipped = 0
    for kind in ("rewrite", "modules"):
        for source in spec.get(kind, []):
            if not source.endswith(".py") or not os.path.isfile(source):
                continue
            folder = _pycache(dest, root, source)
            try:
                if kind == "rewrite":
                    done = rewrite is not None and _rewrite_one(rewrite, path_type, source, folder, config, racy_s)
                else:
                    done = _compile_one(source, folder)
            except (Exception, RecursionError):  # a syntax error, an unreadable file: that file stays uncached
                failed += 1
                continue
            if done:
                written += 1
            else:
                skipped += 1
    results.record({Rec.COMPILED: {"written": written, "failed": failed, "skipped": skipped}})
