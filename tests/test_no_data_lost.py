"""No data lost (issue 8): edits are the user's to apply, pinned to the version they were computed for.

A real ``tracefix serve`` (raw JSON-RPC over stdio) debugs a copy of examples/stats.py
until it offers a quick fix for version N. Then: the fix's edit names version N; after
an edit to N+1 the server no longer offers it; accepting it through the command records
feedback but changes no file; the server never sends workspace/applyEdit; and no file in
the user's folder changes (bytes and mtimes), with or without the CLI.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
import cases  # noqa: E402
import wire  # noqa: E402

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def work(tmp_path) -> Path:
    for name in ("stats.py", "test_stats.py"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def opened(work, tmp_path):
    """A real server with the buggy stats.py open at version 1: (server, uri, text)."""
    srv = wire.Server(env={**cases.secret_env(), "TRACEFIX_DATA_DIR": str(tmp_path / "data")}, cwd=str(tmp_path))
    try:
        srv.initialize({"runOn": "save", "timeoutSeconds": 20, "precision": 0.0})
        uri = (work / "stats.py").as_uri()
        text = (work / "stats.py").read_text()
        wire.did_open(srv, uri, text, version=1)
        yield srv, uri, text
    finally:
        srv.close()


def quick_fixes(srv: wire.Server, uri: str) -> list[dict]:
    zero = {"line": 0, "character": 0}
    answer = srv.call("textDocument/codeAction", {"textDocument": {"uri": uri},
                                                  "range": {"start": zero, "end": {"line": 999, "character": 0}},
                                                  "context": {"diagnostics": []}}, timeout=20)
    assert answer is not None and "result" in answer, answer
    return [a for a in answer["result"] or [] if a.get("kind") == "quickfix" and a.get("edit")]


def test_fix_for_version_n_is_refused_at_n_plus_1_and_nothing_is_written(work, opened):
    srv, uri, text = opened
    before = cases.folder_state(work)
    result = srv.call("workspace/executeCommand", {"command": "tracefix.debugWithTrace", "arguments": [uri]},
                      timeout=180)
    assert result is not None and "result" in result, result
    fixes = quick_fixes(srv, uri)
    assert fixes, "no quick fix offered for the buggy example (precision 0 shows every validated fix)"
    for fix in fixes:
        change = fix["edit"]["documentChanges"][0]
        assert change["textDocument"] == {"uri": uri, "version": 1}, "the edit must be pinned to version 1"
    # The user types: version 2. The old fix must not be offered any more.
    srv.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                          "contentChanges": [{"text": text + "\n# edited\n"}]})
    assert quick_fixes(srv, uri) == []
    # Accepting the old suggestion by id records feedback at most; it never edits anything.
    command = fixes[0].get("command") or {}
    if command:
        srv.call("workspace/executeCommand", {"command": command["command"],
                                              "arguments": command.get("arguments", [])}, timeout=20)
    srv.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    srv.call("workspace/executeCommand", {"command": "tracefix.debugWithTrace", "arguments": [uri]}, timeout=180)
    srv.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert wire.hover(srv, uri) is not None
    assert not [m for m in srv.inbox if m.get("method") == "workspace/applyEdit"]
    assert cases.folder_state(work) == before, "the server changed a file in the user's folder"


def test_undo_back_to_the_same_text_offers_no_edit_pinned_to_an_old_version(opened):
    """If a fix is offered again after undo, its edit must name the current version or a client refuses it."""
    srv, uri, text = opened
    srv.call("workspace/executeCommand", {"command": "tracefix.debugWithTrace", "arguments": [uri]}, timeout=180)
    for version, body in ((2, text + "#"), (3, text)):  # type, then undo
        srv.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                              "contentChanges": [{"text": body}]})
    fixes = quick_fixes(srv, uri)
    assert fixes, "the same text as version 1 must get its fixes back"
    for fix in fixes:
        assert fix["edit"]["documentChanges"][0]["textDocument"]["version"] == 3


def test_cli_never_writes_in_the_users_folder(work):
    before = cases.folder_state(work)
    done = subprocess.run([sys.executable, "-m", "tracefix", "debug", str(work / "stats.py"), "--json",
                           "--repair-seconds", "5"], capture_output=True, text=True, timeout=300,
                          env=cases.secret_env())
    assert done.returncode == 1, done.stderr
    assert '"suggestions"' in done.stdout
    assert cases.folder_state(work) == before
    assert sorted(p.name for p in work.iterdir()) == ["stats.py", "test_stats.py"]
