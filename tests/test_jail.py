"""The jail (probe/jail.py) in real namespaces: what a child may see and write, and that it cannot undo it."""
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tracefix import sandbox

pytestmark = pytest.mark.skipif(bool(sandbox.jail_unavailable(False)), reason="no user namespaces here")

PROBE = r'''
import json, os, subprocess, sys
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = "ok"
    except OSError as exc:
        out[name] = exc.strerror or str(exc)
root, home, outside, hidden = sys.argv[1:5]
out["doc"] = open(os.path.join(root, "mod.py")).read()
attempt("write_project", lambda: open(os.path.join(root, "new.txt"), "w").write("x"))
attempt("delete_project", lambda: os.remove(os.path.join(root, "keep.txt")))
attempt("write_home", lambda: open(os.path.join(home, "ok.txt"), "w").write("x"))
attempt("write_outside", lambda: open(os.path.join(outside, "x.txt"), "w").write("x"))
attempt("write_site_packages", lambda: open(os.path.join(os.path.dirname(os.__file__), "evil.pth"), "w").write("x"))
attempt("write_tmp", lambda: open("/tmp/tracefix-jail-test-leftover", "w").write("x"))
attempt("write_shm", lambda: open("/dev/shm/tracefix-jail-test-leftover", "w").write("x"))
out["hidden_listing"] = os.listdir(hidden) if os.path.isdir(hidden) else None
out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
out["remount"] = subprocess.run(["mount", "-o", "remount,rw", "/"], capture_output=True).returncode
out["umount_overlay"] = subprocess.run(["umount", root], capture_output=True).returncode
print(json.dumps(out))
'''


def _scratch(tmp_path):
    """The run's scratch and its upper, work and home folders; the unsaved buffer of mod.py is in the upper layer."""
    scratch = tmp_path / "scratch"
    upper, work, home = scratch / "upper", scratch / "work", scratch / "home"
    for d in (upper, work, home):
        d.mkdir(parents=True)
    (upper / "mod.py").write_text("BUFFER\n")
    return scratch, upper, work, home


def jailed_run(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "mod.py").write_text("ON DISK\n")
    (root / "keep.txt").write_text("keep\n")
    scratch, upper, work, home = _scratch(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    # Outside /tmp (which the jail replaces anyway), like tracefix's real data folder.
    hidden = Path(os.path.expanduser("~")) / ".cache" / f"tracefix-jail-test-{os.getpid()}"
    hidden.mkdir(parents=True, exist_ok=True)
    (hidden / "key").write_text("sk-live")
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    spec = {"overlay": {"root": str(root), "upper": str(upper), "work": str(work)}, "writable": [str(scratch)],
            "readable": [str(script), sys.prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))],
            "hide": [str(hidden)], "proc": True}
    try:
        res = sandbox.run([sys.executable, str(script), str(root), str(home), str(outside), str(hidden)],
                          cwd=str(root), home=str(home), timeout=30, jail=spec)
    finally:
        shutil.rmtree(hidden, ignore_errors=True)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout), root, upper, outside


def test_the_buffer_runs_and_writes_land_in_scratch(tmp_path):
    out, root, upper, _ = jailed_run(tmp_path)
    assert out["doc"] == "BUFFER\n"
    assert out["write_project"] == "ok" and out["delete_project"] == "ok"
    assert sorted(os.listdir(root)) == ["keep.txt", "mod.py"] and (root / "mod.py").read_text() == "ON DISK\n"
    assert (upper / "new.txt").exists()  # the run's own view, deleted with its scratch
    assert out["write_home"] == "ok"


def test_everything_else_is_read_only_private_or_hidden(tmp_path):
    out, _, _, outside = jailed_run(tmp_path)
    assert out["write_outside"] in ("Read-only file system", "No such file or directory")  # /tmp: not even visible
    assert out["write_site_packages"] == "Read-only file system"
    assert out["write_tmp"] == "ok" and out["write_shm"] == "ok"  # private tmpfs: gone with the run
    assert not os.path.exists("/tmp/tracefix-jail-test-leftover")
    assert not os.path.exists("/dev/shm/tracefix-jail-test-leftover")
    assert out["hidden_listing"] == []
    assert os.listdir(outside) == []
    assert 1 in out["pids"] and os.getpid() not in out["pids"] and len(out["pids"]) < 10


def test_the_child_cannot_undo_the_jail(tmp_path):
    out, _, _, _ = jailed_run(tmp_path)
    assert out["remount"] != 0
    assert out["umount_overlay"] != 0


LAYER_PROBE = r'''
import json, os, sys
root = sys.argv[1]
out = {"cached": open(os.path.join(root, "__pycache__", "mod.pyc")).read() if os.path.exists(
    os.path.join(root, "__pycache__", "mod.pyc")) else None, "doc": open(os.path.join(root, "mod.py")).read()}
try:
    os.makedirs(os.path.join(root, "__pycache__"), exist_ok=True)
    open(os.path.join(root, "__pycache__", "mod.pyc"), "w").write("POISON")
    out["write"] = "ok"
except OSError as exc:
    out["write"] = exc.strerror
print(json.dumps(out))
'''


@pytest.mark.parametrize("layer_exists", [True, False])
def test_a_read_only_layer_between_the_buffer_and_the_tree(tmp_path, layer_exists):
    """The bytecode cache's layer: seen under the project, written only in the run's upper layer; a layer the
    kernel cannot mount (here: missing) leaves the plain overlay."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "mod.py").write_text("ON DISK\n")
    layer = tmp_path / "layer"
    if layer_exists:
        (layer / "__pycache__").mkdir(parents=True)
        (layer / "__pycache__" / "mod.pyc").write_text("CACHED")
    scratch, upper, work, home = _scratch(tmp_path)
    script = tmp_path / "probe.py"
    script.write_text(LAYER_PROBE)
    spec = {"overlay": {"root": str(root), "upper": str(upper), "work": str(work), "layers": [str(layer)]},
            "writable": [str(scratch)], "proc": True,
            "readable": [str(script), sys.prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))]}
    res = sandbox.run([sys.executable, str(script), str(root)], cwd=str(root), home=str(home), timeout=30, jail=spec)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["doc"] == "BUFFER\n" and out["write"] == "ok"
    assert out["cached"] == ("CACHED" if layer_exists else None)
    if layer_exists:
        assert (layer / "__pycache__" / "mod.pyc").read_text() == "CACHED", "the write went to the upper layer"
        assert (upper / "__pycache__" / "mod.pyc").read_text() == "POISON"
    assert not (root / "__pycache__").exists()
