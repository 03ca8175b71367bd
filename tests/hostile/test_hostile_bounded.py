"""Issue 12, bounded everything in tracefix's own process: no hang, no runaway copy, no unbounded memory.

Folders that make a naive discovery or mirror hang or run away (FIFOs named like test
files, symlink loops, a link to /usr, 10,000 files), a test that floods the output channels
back into tracefix with 400 MB and no newline, one that forges a million result records,
and one that leaves /tmp and /dev/shm files behind and then runs into the timeout. Through the real CLI with a private TMPDIR (so a
runaway copy cannot fill the machine's /tmp) and through one language server. The time
limits here are hang guards only; the < 2 s discovery figure is measured by bench/hostile.py.
"""
from __future__ import annotations

import os
import shutil
import uuid

import pytest

import cases
import docs
import wire
import world

pytestmark = pytest.mark.slow

HANG_GUARD_S = 90.0  # a correct run takes a few seconds even on a loaded 2-core machine
RSS_LIMIT_KB = 300 * 1024  # only a real leak (the line-buffered 400 MB flood) crosses this
FOLDERS = ("fifo", "symlink_loop", "symlink_out", "many_files")


@pytest.fixture(autouse=True)
def _drop_tmpdir(tmp_path):
    yield
    shutil.rmtree(tmp_path / "tmpdir", ignore_errors=True)  # a runaway mirror copy may have left GBs there


def _env(tmp_path, mode: str = "namespaces") -> dict:
    tmp = tmp_path / "tmpdir"
    tmp.mkdir(exist_ok=True)
    return {**world.mode_env(mode), "TMPDIR": str(tmp)}


def _left_in_tmpdir(tmp_path) -> list[str]:
    """What tracefix left in its TMPDIR besides its pytest shim (kept on purpose, reused by later runs)."""
    return sorted(p for p in os.listdir(tmp_path / "tmpdir") if not p.startswith("tracefix-pytest-"))


@pytest.mark.parametrize("mode", world.MODES)
@pytest.mark.parametrize("make", FOLDERS)
def test_hostile_folder_gives_the_right_result(make, mode, tmp_path):
    doc = getattr(docs, make)(tmp_path / "project")
    run = world.debug(doc, _env(tmp_path, mode), "--no-repair", "--timeout", "20", wall=HANG_GUARD_S)
    assert not run.hung, f"no answer within {HANG_GUARD_S:.0f} s"
    assert "Traceback (most recent call last)" not in run.stderr, run.stderr[-800:]
    assert run.by_name == docs.BOUNDED_OUTCOMES, (run.outcomes, run.messages[:3])
    assert run.returncode == 1
    assert _left_in_tmpdir(tmp_path) == []


@pytest.mark.parametrize("mode", world.MODES)
def test_a_flood_without_newlines_leaves_tracefix_memory_bounded(tmp_path, mode):
    doc = docs.flood(tmp_path / "flood")
    run = world.debug(doc, _env(tmp_path, mode), "--no-repair", "--timeout", "30", wall=HANG_GUARD_S + 60)
    assert not run.hung, "the flood hung the run"
    assert 0 < run.rss_kb < RSS_LIMIT_KB, f"tracefix peaked at {run.rss_kb // 1024} MB"
    assert run.by_name.get("test_real") == "failed", run.outcomes
    assert run.returncode == 1
    assert all(len(m) <= cases.MESSAGE_LIMIT for m in run.messages)
    assert _left_in_tmpdir(tmp_path) == []


@pytest.mark.parametrize("mode", world.MODES)
def test_forged_results_leave_tracefix_memory_bounded(tmp_path, mode):
    doc = docs.forge(tmp_path / "forge")
    run = world.debug(doc, _env(tmp_path, mode), "--no-repair", "--timeout", "30", wall=HANG_GUARD_S)
    assert not run.hung, "forged results hung the run"
    assert 0 < run.rss_kb < RSS_LIMIT_KB, f"tracefix peaked at {run.rss_kb // 1024} MB"
    assert run.by_name.get("test_real") == "failed", run.outcomes if len(run.outcomes) < 20 else len(run.outcomes)
    assert run.returncode == 1


@pytest.mark.parametrize("mode", world.MODES)
def test_a_timed_out_run_leaves_nothing_behind(tmp_path, mode):
    token = uuid.uuid4().hex[:12]
    doc = docs.timeout_leftovers(tmp_path / "hangs", token)
    try:
        run = world.debug(doc, _env(tmp_path, mode), "--no-repair", "--timeout", "3", wall=HANG_GUARD_S)
        assert not run.hung
        # Reported as the test, or as its file when the run ended before pytest named the test.
        assert set(run.by_name.values()) == {"timeout"}, run.outcomes
        assert run.returncode == 1
        assert _left_in_tmpdir(tmp_path) == []
        left = [f"{d}/{n}" for d in ("/dev/shm", "/tmp") for n in os.listdir(d) if token in n]
        assert left == []
    finally:
        for d in ("/dev/shm", "/tmp"):
            for n in os.listdir(d):
                if token in n:
                    os.remove(os.path.join(d, n))


# -- the same folders in one language server: other documents are still served -------------------

@pytest.mark.parametrize("mode", world.MODES)
def test_server_serves_other_documents_next_to_hostile_folders(tmp_path, mode):
    env = {**_env(tmp_path, mode), "TRACEFIX_DATA_DIR": str(tmp_path / "data")}
    srv = wire.Server(env=env, cwd=str(tmp_path))
    try:
        srv.initialize({"runOn": "save", "timeoutSeconds": 30, "repair": False})
        hostile = [docs.fifo(tmp_path / "fifo1"), docs.fifo(tmp_path / "fifo2"), docs.symlink_loop(tmp_path / "loop"),
                   docs.symlink_out(tmp_path / "usr"), docs.flood(tmp_path / "flood"), docs.forge(tmp_path / "forge")]
        for version, doc in enumerate(hostile, start=10):
            wire.did_open(srv, doc.as_uri(), doc.read_text(), version)
        other = tmp_path / "other" / "unrelated.py"
        other.parent.mkdir()
        other.write_text(world.UNRELATED)
        wire.did_open(srv, other.as_uri(), other.read_text(), 1)
        assert wire.hover(srv, other.as_uri()) is not None, "hover hung next to the hostile folders"
        assert wire.code_action(srv, other.as_uri()) is not None, "codeAction hung next to the hostile folders"
        res = wire.final_results(srv, 1, HANG_GUARD_S)
        assert res is not None and (res["failing"], res["total"]) == (1, 2), res
        for version in range(10, 10 + len(hostile)):
            assert wire.final_results(srv, version, HANG_GUARD_S) is not None, f"run of version {version} never ended"
        assert srv.alive and srv.rss_peak_kb() < RSS_LIMIT_KB, f"server peaked at {srv.rss_peak_kb() // 1024} MB"
    finally:
        srv.close(timeout=10)
