"""Issue 12, filesystem isolation: a test file that writes everywhere changes nothing outside its run.

One hostile document (writes_everywhere.py) is debugged through the real CLI twice — on
the interpreter tracefix runs on, and on the project's own venv (no pytest there, so
tracefix's pytest shim is used) — inside a throwaway world (world.py). Afterwards every
protected place is byte-identical, nothing was planted in tracefix's cache, nothing is
left in /tmp or /dev/shm, and later runs of an unrelated document, on both interpreters,
give the right result and never execute a planted ``.pth``. The shim is per tracefix
process, so it is checked in a language server, which keeps it while it lives.
"""
from __future__ import annotations

import os

import pytest

import cases
import snapshot
import wire
import world as w

def test_snapshot_sees_every_kind_of_change(tmp_path):
    """The byte-identity checks below are only as good as this helper."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("one")
    (tmp_path / "gone").write_text("x")
    os.symlink("d/f", tmp_path / "link")
    before = snapshot.snapshot(tmp_path)
    assert snapshot.diff(before, snapshot.snapshot(tmp_path)) == []
    (tmp_path / "d" / "f").write_text("two")  # same size, new bytes
    (tmp_path / "gone").unlink()
    (tmp_path / "link").unlink()
    os.symlink("elsewhere", tmp_path / "link")
    (tmp_path / "new").write_text("")
    os.chmod(tmp_path / "d", 0o700)
    assert snapshot.diff(before, snapshot.snapshot(tmp_path)) == [
        "changed d", "changed d/f", "deleted gone", "changed link", "created new"]


@pytest.fixture(scope="module")
def hostile_world(tmp_path_factory):
    world = w.World(tmp_path_factory.mktemp("hostile-fs")).build()
    yield world
    world.cleanup()


@pytest.fixture(scope="module", params=w.MODES)
def fs(hostile_world, request):
    return w.fs_scenario(hostile_world, request.param)


PLACES = ["project tree", "HOME", "data dir", "tracefix's site-packages", "project venv site-packages"]


@pytest.mark.slow
@pytest.mark.parametrize("place", PLACES)
def test_protected_place_is_byte_identical(fs, place):
    assert place in fs.diffs, f"{place} was not snapshotted: {sorted(fs.diffs)}"
    assert fs.diffs[place] == []


@pytest.mark.slow
def test_nothing_left_in_tmp_or_shm(fs):
    assert fs.leftovers == []


@pytest.mark.slow
def test_nothing_planted_in_tracefix_cache(fs):
    assert fs.planted_in_cache == []


@pytest.mark.slow
def test_hostile_runs_end_with_an_honest_report(fs):
    for name, run in fs.runs.items():
        assert not run.hung and run.returncode == 1, (name, run.returncode, run.stderr[-500:])
        assert run.by_name.get("test_add") == "failed", (name, run.outcomes)
        assert "Traceback (most recent call last)" not in run.stderr
        assert cases.leaked(run.stdout + run.stderr) == []


@pytest.mark.slow
def test_later_runs_are_unaffected(fs):
    for name, run in fs.after.items():
        assert not run.hung and run.returncode == 1, (name, run.stderr[-500:])
        assert run.by_name == w.UNRELATED_OUTCOMES, (name, run.outcomes)
        assert "Traceback (most recent call last)" not in run.stderr, (name, run.stderr[-500:])
    assert fs.pth_ran == "", "a planted .pth ran in a later process and copied the API key out"


@pytest.mark.slow
@pytest.mark.parametrize("mode", w.MODES)
def test_pytest_shim_of_a_server_is_not_writable_from_a_run(hostile_world, tmp_path, mode):
    """The project venv has no pytest, so runs import tracefix's shim, which the server keeps for its lifetime."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    srv = wire.Server(env={**hostile_world.env(mode), "TMPDIR": str(tmp)}, cwd=str(tmp_path))
    try:
        srv.initialize({"runOn": "save", "timeoutSeconds": 20, "repair": False,
                        "interpreter": hostile_world.project_python})
        doc = hostile_world.document()
        wire.did_open(srv, doc.as_uri(), doc.read_text(), 1)
        res = wire.final_results(srv, 1, 120)
        assert res is not None and res["failing"] >= 1, res
        planted = sorted(str(p) for p in tmp.glob(f"tracefix-pytest-*/*{hostile_world.token}*"))
        assert sorted(p.name for p in tmp.glob("tracefix-pytest-*")), "no shim was made: the case tested nothing"
        assert planted == []
        other = hostile_world.other / "unrelated.py"
        wire.did_open(srv, other.as_uri(), other.read_text(), 2)
        res = wire.final_results(srv, 2, 120)
        assert res is not None and (res["failing"], res["total"]) == (1, 2), res
    finally:
        srv.close(timeout=10)
