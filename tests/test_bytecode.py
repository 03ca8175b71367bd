"""The warm worker's bytecode cache (tracefix/bytecode.py, probe/bytecode.py): real jailed runs.

A test run sees the cache read-only and can neither reach nor poison it; an edited buffer never runs
stale bytecode; the compile job writes the formats Python and pytest validate on every load.
"""
import hashlib
import os
import sys
import time

import pytest

from tracefix import bytecode, childrun, discover, project, sandbox, segment, workers
from tracefix.config import Settings

pytestmark = pytest.mark.skipif(not sandbox.isolation(False)[0] or not hasattr(os, "fork"),
                                reason="the cache belongs to warm workers, which need the jail")

HOUR_AGO = time.time() - 3600


def write(path, text):
    path.write_text(text)
    os.utime(path, (HOUR_AGO, HOUR_AGO))  # not "racy": a pytest < 9 pyc could be written for it too


def the_worker(doc):
    proj = project.find(str(doc), "")
    return workers.worker(workers.Key(proj.python, proj.key(), proj.root, False))


def run(doc, text=None):
    text = doc.read_text() if text is None else text
    seg = segment.segment(text)
    tests = discover.discover(str(doc), text)
    result = childrun.run_tests(str(doc), text, seg, tests, Settings(warm=True))
    return {t.id: (t.outcome, t.message) for t in result.tests}


def settle(worker):
    """Wait for the refresh a run started (an event, not a sleep)."""
    assert worker.bytecode.idle.wait(timeout=120), "the compile job did not finish"


def digests(folder):
    out = {}
    for base, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return out


MOD = "def value():\n    return 1\n"

# A run that tries everything it can against the cache: overwrite the module's pyc (as the project shows it)
# with a *valid* hash-checked pyc whose code returns 666 for the real source's hash, and look for the
# generation folders themselves.
POISON = '''import importlib.util, os, sys
from importlib import _bootstrap_external as ext

from mod import value

CACHE = {cache!r}


def test_poison():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "mod.py"), "rb") as f:
        real = f.read()
    evil = compile("def value():\\n    return 666\\n", os.path.join(here, "mod.py"), "exec")
    data = ext._code_to_hash_pyc(evil, importlib.util.source_hash(real), checked=True)
    target = importlib.util.cache_from_source(os.path.join(here, "mod.py"))
    assert os.path.getsize(target) > 0, "the run sees the cache as the project's own __pycache__"
    with open(target, "wb") as f:  # lands in this run's upper layer, not in the cache
        f.write(data)
    assert not os.path.exists(CACHE), "the cache's generations are out of sight"


def test_value():
    assert value() == 1
'''


def test_a_run_cannot_poison_the_cache(tmp_path):
    doc = tmp_path / "mod.py"
    write(doc, MOD)
    w = the_worker(doc)
    test_doc = tmp_path / "test_mod.py"  # the document: mod.py's pyc comes from the cache, not shadowed
    write(test_doc, POISON.format(cache=w.bytecode.base))
    first = run(test_doc)
    assert first.get("test_mod.py::test_value") == ("passed", ""), first
    settle(w)
    layer = w.bytecode.current
    assert layer is not None
    cached = digests(layer)
    assert any(p.startswith("__pycache__/mod.") for p in cached) and any("-pytest-" in p for p in cached), cached
    second = run(test_doc)
    assert second["test_mod.py::test_poison"] == ("passed", ""), second  # it saw the cache and wrote "its" pyc
    assert digests(layer) == cached, "a test run changed the cache"
    settle(w)
    assert w.bytecode.current == layer, "nothing changed on disk: the same generation serves the next run"
    third = run(test_doc)
    assert third["test_mod.py::test_value"] == ("passed", ""), "the poisoned pyc reached a later run"


def test_an_edited_buffer_never_runs_stale_bytecode(tmp_path):
    doc = tmp_path / "mod.py"
    write(doc, MOD)
    # The test file asserts on its own cached pyc, as the run sees it: the document's is shadowed (empty).
    write(tmp_path / "test_mod.py", (
        "import importlib.util, os\nfrom mod import value\n\n"
        "def test_value():\n    assert value() == 1\n\n"
        "def test_document_pyc_is_shadowed():\n"
        "    here = os.path.dirname(os.path.abspath(__file__))\n"
        "    assert os.path.getsize(importlib.util.cache_from_source(os.path.join(here, 'mod.py'))) == 0\n"))
    w = the_worker(doc)
    run(doc)
    settle(w)
    assert w.bytecode.current is not None
    # Same size, one constant changed, unsaved: the new code must run.
    edited = run(doc, MOD.replace("1", "2"))
    assert edited["test_mod.py::test_value"][0] == "failed" and "2 == 1" in edited["test_mod.py::test_value"][1]
    assert edited["test_mod.py::test_document_pyc_is_shadowed"] == ("passed", ""), edited
    # The test file as the document: its edited buffer runs, not pytest's cached rewrite of the file on disk.
    test_doc = tmp_path / "test_mod.py"
    flipped = test_doc.read_text().replace("value() == 1", "value() == 3")
    again = run(test_doc, flipped)
    assert again["test_mod.py::test_value"][0] == "failed" and "1 == 3" in again["test_mod.py::test_value"][1]


def test_compile_job_writes_validated_pycs_only(tmp_path):
    """The compile job's pycs are CHECKED_HASH for modules, and a file pytest < 9 would validate by mtime is
    skipped while it is fresh (here: the same probe module, driven directly)."""
    doc = tmp_path / "mod.py"
    write(doc, MOD)
    write(tmp_path / "test_mod.py", "from mod import value\n\ndef test_value():\n    assert value() == 1\n")
    (tmp_path / "broken.py").write_text("def oops(:\n")
    w = the_worker(doc)
    run(doc)
    settle(w)
    layer = w.bytecode.current
    names = os.listdir(os.path.join(layer, "__pycache__"))
    [pyc] = [n for n in names if n.startswith("mod.")]
    with open(os.path.join(layer, "__pycache__", pyc), "rb") as f:
        header = f.read(16)
    assert header[4:8] == b"\x03\x00\x00\x00", "a checked hash-based pyc (PEP 552)"
    assert not [n for n in names if n.startswith("broken.")], "a file that does not compile stays uncached"
    # A file changed on disk gets a new generation; the old one goes once no run uses it.
    write(doc, "def value():\n    return 10\n")
    run(doc)
    settle(w)
    assert w.bytecode.current != layer and not os.path.exists(layer)


def test_racy_rule_for_mtime_validated_pycs(tmp_path):
    """pytest 6.2-8.x validate their pyc by mtime and size: a file modified within RACY_S seconds gets none."""
    probe_dir = os.path.join(os.path.dirname(bytecode.__file__), "probe")
    sys.path.insert(0, probe_dir)
    try:
        import importlib.util

        import _pytest.assertion.rewrite as rewrite
        spec = importlib.util.spec_from_file_location("_tracefix_bytecode_t", os.path.join(probe_dir, "bytecode.py"))
        from tracefix import contract  # noqa: F401 (loads the probe's contract as _tracefix_contract below)
        spec_c = importlib.util.spec_from_file_location("_tracefix_contract", os.path.join(probe_dir, "contract.py"))
        mod_c = importlib.util.module_from_spec(spec_c)
        spec_c.loader.exec_module(mod_c)
        sys.modules.setdefault("_tracefix_contract", mod_c)
        probe = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(probe)
    finally:
        sys.path.remove(probe_dir)
    from pathlib import Path

    fresh = tmp_path / "test_fresh.py"
    fresh.write_text("def test_x():\n    assert 1\n")
    old = tmp_path / "test_old.py"
    write(old, "def test_x():\n    assert 1\n")

    class MtimeRewrite:  # pytest < 9: _rewrite_test returns the source's stat
        PYC_TAIL = ".test-tail.pyc"

        @staticmethod
        def _rewrite_test(fn, config):
            return os.stat(fn), compile(fn.read_text(), str(fn), "exec")

        @staticmethod
        def _write_pyc(state, co, key, pyc):
            pyc.write_bytes(b"x")
            return True

    assert probe._rewrite_one(MtimeRewrite, Path, str(fresh), str(tmp_path), None, 2.0) is False
    assert probe._rewrite_one(MtimeRewrite, Path, str(old), str(tmp_path), None, 2.0) is True
    assert probe._rewrite_one(rewrite, Path, str(fresh), str(tmp_path / "c"), probe._Config(), 2.0) is (
        not isinstance(rewrite._rewrite_test(Path(fresh), None)[0], os.stat_result))


def test_pytest_74_mtime_pycs_end_to_end(tmp_path):
    """pytest 6.2-8.x validate their own pyc by mtime and size: it is written for a file older than RACY_S,
    read by the run, not written for a file just modified, and an edited test buffer still runs as edited."""
    from test_runner_contract import venv_python

    python = venv_python("pytest74")
    doc = tmp_path / "mod.py"
    write(doc, MOD)
    old = tmp_path / "test_old.py"
    write(old, "from mod import value\n\ndef test_value():\n    assert value() == 1\n")
    fresh = tmp_path / "test_fresh.py"
    fresh.write_text("from mod import value\n\ndef test_fresh():\n    assert value() == 1\n")
    os.utime(fresh, (time.time() + 3600, time.time() + 3600))  # "modified just now" whenever the compile job runs
    proj = project.find(str(doc), python)
    w = workers.worker(workers.Key(python, proj.key(), proj.root, False))
    settings = Settings(warm=True, python=python)

    def run_with(path, text):
        seg = segment.segment(text)
        tests = discover.for_document(proj, python, str(path), text, settings).tests
        result = childrun.run_tests(str(path), text, seg, tests, settings, python=python, project=proj)
        return {t.id: (t.outcome, t.message) for t in result.tests}

    assert run_with(doc, MOD)["test_old.py::test_value"] == ("passed", "")
    settle(w)
    names = os.listdir(os.path.join(w.bytecode.current, "__pycache__"))
    [pyc] = [n for n in names if n.startswith("test_old.") and "-pytest-7.4.4" in n]
    with open(os.path.join(w.bytecode.current, "__pycache__", pyc), "rb") as f:
        assert f.read(8)[4:8] == b"\x00\x00\x00\x00", "pytest 7.4's own pyc: validated by mtime and size"
    assert not [n for n in names if n.startswith("test_fresh.")], "modified just now: not cached (racy)"
    flipped = old.read_text().replace("value() == 1", "value() == 4")
    edited = run_with(old, flipped)
    assert edited["test_old.py::test_value"][0] == "failed" and "1 == 4" in edited["test_old.py::test_value"][1]
    assert run_with(doc, MOD)["test_old.py::test_value"] == ("passed", "")
