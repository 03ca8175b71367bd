"""Issue 8: every case of the hostile corpus (tests/hostile/) through the real CLI and the real server.

CLI: ``tracefix debug CASE --json`` in a subprocess with secrets planted in its
environment and a private HOME; the run must end within its limit, with one clear
message, no secret, no leftover process, no change to the user's folder.

Server: one ``tracefix serve`` over stdio (pytest-lsp) opens every case; after each
run the server must still answer a hover and a codeAction, nothing it sends may
contain a secret, and it must never ask the client to apply an edit.

Cases that expose a bug in code owned elsewhere are ``xfail(strict=True)`` with the
reason; the fix is proposed in the issue's closing note.
"""
from __future__ import annotations

import asyncio
import atexit
import re
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
import cases  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

# Bugs found by the corpus and not fixed yet (xfail, strict: a fix makes them fail until removed here).
KNOWN: dict[str, str] = {}
LSP_KNOWN: dict[str, str] = {}


def _param(case: cases.Case, known: dict) -> pytest.param:
    marks = [pytest.mark.xfail(strict=True, reason=known[case.name])] if case.name in known else []
    return pytest.param(case, id=case.name, marks=marks)


# -- CLI -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, cases.CliRun]:
    """Every case once, a few at a time (they mostly wait on timeouts)."""
    root = tmp_path_factory.mktemp("hostile-cli")
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda c: cases.run_cli(c, root), cases.CASES))
    return {r.case.name: r for r in runs}


@pytest.mark.parametrize("case", [_param(c, KNOWN) for c in cases.CASES])
def test_cli_survives_hostile_case(case, cli_runs):
    run = cli_runs[case.name]
    assert cases.cli_problems(run) == []


def test_no_process_survives_a_bounded_fork_bomb(cli_runs):
    """RLIMIT_NPROC does not bind for root, so the process-group kill must take all 200 forks down."""
    run = cli_runs["fork_bomb"]
    assert not run.hung and run.survivors == []
    assert cases.marked_pids("TRACEFIX_HOSTILE_FORK") == []


def test_threads_left_running_do_not_hold_the_run(cli_runs):
    run = cli_runs["threads_left_running"]
    # A run held open by the thread would end in the timeout and carry the "did not finish" error.
    assert run.report is not None and "error" not in run.report, run.report
    assert [t["outcome"] for t in run.report["tests"]] == ["failed"]


def test_secret_planted_in_cli_env_is_really_there():
    """The leak checks mean something only if the secret is in the environment tracefix gets."""
    env = cases.secret_env()
    assert env["OPENAI_API_KEY"] == "sk-test-secret"


# -- the language server ---------------------------------------------------------------------------

DATA_DIR = tempfile.mkdtemp(prefix="tracefix-hostile-data-")
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)  # made at import: removed when the session ends
LSP_SETTINGS = {"runOn": "save", "timeoutSeconds": cases.RUN_TIMEOUT, "repair": False}
ANSWER_S = 15.0  # a hover/codeAction slower than this is a hung request (the machine is shared and slow)
RUN_LIMIT_S = 90.0  # from didOpen to the run's end for one case, with up to 2 runs in parallel


def _factory() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.apply_edits = 0
    client.ended = set()  # versions whose run is over, from the server's test hook (lsp/testhooks.py)

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    def apply_edit(client: LanguageClient, params: types.ApplyWorkspaceEditParams):
        client.apply_edits += 1  # the server must never ask: edits are the user's to apply
        return types.ApplyWorkspaceEditResult(applied=False, failure_reason="refused by the test client")

    def refresh(client: LanguageClient, params: None) -> None:
        return None

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                   types.WORKSPACE_APPLY_EDIT: apply_edit,
                                   types.WORKSPACE_CODE_LENS_REFRESH: refresh,
                                   types.WORKSPACE_INLAY_HINT_REFRESH: refresh})

    @client.feature("tracefix/testEvent")
    def test_event(params) -> None:
        if getattr(params, "event", None) == "ended":
            client.ended.add(params.version)

    return client


async def _session(lsp_client: LanguageClient, patience: float = 20.0):
    lsp_client.set_configuration(LSP_SETTINGS, section="tracefix")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        initialization_options={"tracefix": LSP_SETTINGS, "tracefixTestHooks": {"events": True}}))
    yield
    server = lsp_client._server
    try:
        await asyncio.wait_for(lsp_client.shutdown_session(), patience)
    except (asyncio.TimeoutError, Exception):
        pass
    if server is not None and server.returncode is None:
        try:
            await asyncio.wait_for(server.wait(), patience / 2)
        except asyncio.TimeoutError:  # would hang the teardown: noted by the tests that check exit
            server.kill()


CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "tracefix", "serve"],
                            server_env={**cases.secret_env(), "TRACEFIX_DATA_DIR": DATA_DIR},
                            client_factory=_factory)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def server(lsp_client: LanguageClient):
    async for _ in _session(lsp_client):
        yield


def _everything_received(client: LanguageClient) -> str:
    parts = [m.message for m in client.log_messages] + [m.message for m in client.messages]
    parts += [d.message for p in client.published for d in p.diagnostics]
    return "\n".join(parts)


def _ended(client: LanguageClient, version: int) -> bool:
    """The server said the run of ``version`` is over (published, failed, cancelled or stale)."""
    return version in client.ended


async def _wait(predicate, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def _still_answers(client: LanguageClient, uri: str) -> list[str]:
    """A hover and a codeAction on ``uri`` must come back within ANSWER_S; returns what did not."""
    problems = []
    pos = types.Position(line=0, character=0)
    doc = types.TextDocumentIdentifier(uri=uri)
    for name, call in (
        ("hover", lambda: client.text_document_hover_async(types.HoverParams(text_document=doc, position=pos))),
        ("codeAction", lambda: client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc, range=types.Range(start=pos, end=pos), context=types.CodeActionContext(diagnostics=[])))),
    ):
        try:
            await asyncio.wait_for(call(), ANSWER_S)
        except asyncio.TimeoutError:
            problems.append(f"{name} hung (> {ANSWER_S:.0f} s)")
        except Exception as exc:  # an error answer is an answer, but not what these requests should give
            problems.append(f"{name} failed: {exc}")
    return problems


LSP_CASES = [c for c in cases.CASES if not c.cli_only and c.name != "ten_megabytes"]
VERSION_BASE = 100  # each case opens with its own version: the "ended" test event of version N names the case


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def opened(server, tmp_path_factory):
    """Open every case at once: runs overlap the way they do in a real workspace."""
    root = tmp_path_factory.mktemp("hostile-lsp")
    docs = {}
    for i, case in enumerate(LSP_CASES):
        path = case.materialize(root / case.name)
        text = path.read_bytes().decode("utf-8", "replace")  # what an editor would send
        uri = path.as_uri()
        version = VERSION_BASE + i
        server.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="python", version=version, text=text)))
        docs[case.name] = (uri, version, path, cases.folder_state(path.parent))
    return docs


@pytest.mark.parametrize("case", [_param(c, LSP_KNOWN) for c in LSP_CASES])
async def test_server_survives_hostile_case(case, server, opened):
    uri, version, path, before = opened[case.name]
    problems = []
    if not await _wait(lambda: _ended(server, version), RUN_LIMIT_S):
        problems.append(f"run did not end within {RUN_LIMIT_S:.0f} s")
    problems += await _still_answers(server, uri)
    if server._server.returncode is not None:
        problems.append(f"server exited with {server._server.returncode}")
    if cases.survivors(case.marker):
        problems.append("processes outlived the run")
        cases.kill_marked(case.marker)
    own = [d.message for p in server.published if p.uri == uri for d in p.diagnostics]
    # The failing test's own message travels as related information of the diagnostic at the suspect block.
    own += [r.message for p in server.published if p.uri == uri for d in p.diagnostics
            for r in (d.related_information or [])]
    # showMessage and the log are not per document; the case patterns are specific enough to tell.
    said = own + [m.message for m in server.messages] + [m.message for m in server.log_messages]
    if case.expect and not any(re.search(case.expect, m) for m in said):
        problems.append(f"no message matching /{case.expect}/ in {[m[:100] for m in said]}")
    if any(len(m) > cases.MESSAGE_LIMIT for m in said):
        problems.append("a message longer than the limit")
    found = cases.leaked("\n".join(own))
    if found:
        problems.append(f"secret leaked: {found}")
    if cases.folder_state(path.parent) != before:
        problems.append("the user's folder changed")
    assert problems == []


async def test_server_never_applied_an_edit(server, opened):
    """After the whole corpus: no workspace/applyEdit was ever sent and the server is alive."""
    for case in LSP_CASES:
        await _wait(lambda: _ended(server, opened[case.name][1]), RUN_LIMIT_S)
    assert server.apply_edits == 0
    assert server._server.returncode is None
    assert not await _still_answers(server, opened["empty"][0])


async def test_server_never_sent_a_secret(server, opened):
    for case in LSP_CASES:
        await _wait(lambda: _ended(server, opened[case.name][1]), RUN_LIMIT_S)
    assert cases.leaked(_everything_received(server)) == []


# The 10 MB document gets a server of its own: it can pin a worker thread for minutes.
@pytest_lsp.fixture(config=CONFIG, scope="module")
async def big_server(lsp_client: LanguageClient):
    async for _ in _session(lsp_client, patience=4.0):  # a worker may be stuck in the big run: do not wait on it
        yield


async def test_server_stays_responsive_with_a_ten_megabyte_document(big_server, tmp_path):
    path = cases.BY_NAME["ten_megabytes"].materialize(tmp_path / "big")
    small = cases.BY_NAME["empty"].materialize(tmp_path / "small")
    for p, version in ((small, 1), (path, 2)):
        big_server.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=p.as_uri(), language_id="python", version=version, text=p.read_text())))
    problems = []
    lens = big_server.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri())))
    try:
        await asyncio.wait_for(lens, ANSWER_S)
    except asyncio.TimeoutError:
        problems.append("codeLens on the big document hung")
    problems += await _still_answers(big_server, small.as_uri())
    if not await _wait(lambda: _ended(big_server, 2), 30):
        problems.append("the run of the 10 MB document did not end within 30 s")
    assert problems == []


def test_cleanup_never_matches_unmarked_processes():
    """kill_marked('') once matched every process with an environment and SIGKILLed the machine's processes."""
    assert cases.marked_pids("") == []
