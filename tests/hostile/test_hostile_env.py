"""Issue 12, the right environment: two venvs built from one base Python are two environments.

Each venv (pytest reachable from both) holds a module saying which venv it is and a pytest
plugin (an entry point) that provides a fixture saying the same. The document's test passes only in venv B, with B's
plugin loaded. Through the CLI (``--python``) and through one language server whose
interpreter setting is switched from A to B: the run after the switch must use B.
"""
from __future__ import annotations

import sysconfig

import pytest

import cases
import wire
import world

pytestmark = pytest.mark.slow

DOC = '''import envmark


def test_runs_in_venv_b(flavour):
    assert (envmark.NAME, flavour) == ("B", "B")
'''


def _venv(where, name: str):
    # pytest comes from tracefix's own environment (a .pth line), as a venv with pytest installed would have it.
    venv = world.make_venv(where, (sysconfig.get_paths()["purelib"],))
    sp = world.site_packages(venv)
    (sp / "envmark.py").write_text(f"NAME = {name!r}\n")
    (sp / "envplug.py").write_text(f"import pytest\n\n\n@pytest.fixture\ndef flavour():\n    return {name!r}\n")
    info = sp / "envplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: envplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nenvplug = envplug\n")
    (info / "RECORD").write_text("")
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    root = tmp_path_factory.mktemp("envs")
    return _venv(root / "a", "A"), _venv(root / "b", "B")


@pytest.mark.parametrize("mode", world.MODES)
def test_cli_runs_in_the_venv_given(venvs, tmp_path, mode):
    doc = tmp_path / "envcheck.py"
    doc.write_text(DOC)
    a, b = venvs
    env = {**world.mode_env(mode), "TRACEFIX_CACHE_DIR": str(tmp_path / "cache")}
    first = world.debug(doc, env, "--no-repair", "--python", str(a))
    assert first.by_name.get("test_runs_in_venv_b") == "failed", (first.outcomes, first.messages[:3])
    second = world.debug(doc, env, "--no-repair", "--python", str(b))
    assert second.by_name == {"test_runs_in_venv_b": "passed"}, (second.outcomes, second.messages[:3])
    assert second.returncode == 0


@pytest.mark.parametrize("mode", world.MODES)
def test_server_follows_the_interpreter_setting(venvs, tmp_path, mode):
    a, b = venvs
    doc = tmp_path / "proj" / "envcheck.py"
    doc.parent.mkdir()
    doc.write_text(DOC)
    env = {**world.mode_env(mode), "TRACEFIX_DATA_DIR": str(tmp_path / "data"),
           "TRACEFIX_CACHE_DIR": str(tmp_path / "cache")}
    settings = {"runOn": "save", "timeoutSeconds": 20, "repair": False, "interpreter": str(a)}
    srv = wire.Server(env=env, cwd=str(tmp_path))
    try:
        srv.initialize(settings)
        wire.did_open(srv, doc.as_uri(), doc.read_text(), 1)
        in_a = wire.final_results(srv, 1, 120)
        assert in_a is not None and in_a["failing"] == 1, in_a
        srv.notify("workspace/didChangeConfiguration", {"settings": {"tracefix": {**settings, "interpreter": str(b)}}})
        in_b = wire.final_results(srv, 1, 120, nth=2)
        if in_b is None:  # a server that does not re-run on a settings change: a save asks for it
            srv.notify("textDocument/didSave", {"textDocument": {"uri": doc.as_uri()}})
            in_b = wire.final_results(srv, 1, 120, nth=2)
        assert in_b is not None and (in_b["failing"], in_b["total"]) == (0, 1), in_b
        assert cases.leaked(str(srv.inbox)) == []
    finally:
        srv.close(timeout=10)
