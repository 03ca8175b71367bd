"""End-to-end: a real pytest-lsp client talks to a real ``python -m tracefix serve`` over stdio.

Every test works on a private copy of ``examples/``: the runs execute those files in
real child processes, and some tests apply fixes to them.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Union

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DATA_DIR = tempfile.mkdtemp(prefix="tracefix-lsp-data-")  # the server's feedback store lives here
TIMEOUT = 90.0  # a run of a bundled example takes ~1 s; the shared 2-core machine can be very slow


def _converter():
    """lsprotocol decodes a CodeAction that carries a command as a Command (the union is tried in
    order); a real client tells them apart by whether ``command`` is a string, and so does this one."""
    conv = default_converter()

    def action(obj, _):
        return conv.structure(obj, types.Command if isinstance(obj.get("command"), str) else types.CodeAction)

    conv.register_structure_hook(Union[types.Command, types.CodeAction], action)
    return conv


def _factory() -> LanguageClient:
    """The stock test client, plus a log of every publishDiagnostics with its version."""
    client = LanguageClient(converter_factory=_converter)
    client.published = []

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    def refresh(client: LanguageClient, params: None) -> None:
        client.refreshes = getattr(client, "refreshes", 0) + 1

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                   types.WORKSPACE_CODE_LENS_REFRESH: refresh,
                                   types.WORKSPACE_INLAY_HINT_REFRESH: refresh})
    client.statuses = []
    client.events = []

    @client.feature("tracefix/status")
    def status(params) -> None:
        client.statuses.append(plain(params))

    @client.feature("tracefix/testEvent")  # the server's test hooks (server/tracefix/lsp/testhooks.py)
    def test_event(params) -> None:
        client.events.append(plain(params))

    return client


def settings(values: dict):
    """Server settings for one test (sent as initializationOptions and workspace configuration)."""
    def mark(fn):
        fn.tracefix_settings = values
        return fn
    return mark


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "tracefix", "serve"],
    server_env={**os.environ, "TRACEFIX_DATA_DIR": DATA_DIR},
    client_factory=_factory,
))
async def client(lsp_client: LanguageClient, request):
    # A lower precision than the default: these tests are about how a fix is offered, and the decide
    # step's judgement of the example's fix (tested on its own) must not decide whether there is one.
    values = getattr(request.function, "tracefix_settings", {"runOn": "save", "precision": 0.5})
    lsp_client.set_configuration(values, section="tracefix")
    capabilities = client_capabilities("visual-studio-code")
    if getattr(request.function, "tracefix_status", False):  # a client that shows runs itself, as ours does
        capabilities.experimental = {"tracefixStatus": True}
    # Test hooks: the server says when runs end; with hold_runs, each run waits to publish until released.
    hooks = {"events": True, "holdRuns": getattr(request.function, "tracefix_hold", False)}
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities, initialization_options={"tracefix": values, "tracefixTestHooks": hooks},
    ))
    yield
    await lsp_client.shutdown_session()


def hold_runs(fn):
    """The server holds every run's results until the test releases that run: no run can outrace the test."""
    fn.tracefix_hold = True
    return fn


@pytest.fixture
def work(tmp_path) -> Path:
    for name in os.listdir(EXAMPLES):
        if name.endswith((".py", ".ini")):  # pytest.ini makes the copy a project of its own
            shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


# -- helpers -------------------------------------------------------------------------------------

async def wait_for(predicate, timeout: float = TIMEOUT, what: str = "condition"):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def open_doc(client: LanguageClient, path: Path, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=version, text=path.read_text())))
    return uri


def save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))


def edit(client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int],
         text: str) -> None:
    """An incremental change, as editors send them."""
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=start[0], character=start[1]),
                              end=types.Position(line=end[0], character=end[1])),
            text=text)]))


def published(client: LanguageClient, uri: str) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri]


async def diagnostics_for(client: LanguageClient, uri: str, version: int, nonempty: bool = True):
    def found():
        for p in published(client, uri):
            if p.version == version and (bool(p.diagnostics) == nonempty):
                return [p.diagnostics]
        return None
    return (await wait_for(found, what=f"diagnostics for version {version}"))[0]


def logged(client: LanguageClient, text: str) -> bool:
    return any(text in m.message for m in client.log_messages)


def events(client: LanguageClient, kind: str, uri: str, **match) -> list[dict]:
    return [e for e in client.events if e["event"] == kind and e["uri"] == uri
            and all(e.get(k) == v for k, v in match.items())]


async def ended(client: LanguageClient, uri: str, version: int) -> list[str]:
    """How the runs of ``version`` ended (published, cancelled, stale, ...), once one has."""
    done = await wait_for(lambda: events(client, "ended", uri, version=version), what=f"a run of version {version} "
                                                                                       f"to end")
    return [e["outcome"] for e in done]


async def final_results(client: LanguageClient, uri: str, version: int) -> None:
    await wait_for(lambda: events(client, "ended", uri, version=version, outcome="published"),
                   what=f"final results for version {version}")


async def held(client: LanguageClient, uri: str, version: int) -> dict:
    """The run of ``version`` has results and waits to publish them (with @hold_runs)."""
    return (await wait_for(lambda: events(client, "held", uri, version=version),
                           what=f"a held run of version {version}"))[0]


async def release(client: LanguageClient, run: dict) -> None:
    await client.protocol.send_request_async("tracefix/test/release", {"run": run["run"]})


async def opened(client: LanguageClient, uri: str) -> dict:
    return (await wait_for(lambda: events(client, "opened", uri), what="the document to be set up"))[0]


def apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def off(p: types.Position) -> int:
        return offsets[min(p.line, len(lines))] + p.character

    for e in sorted(edits, key=lambda e: off(e.range.start), reverse=True):
        text = text[:off(e.range.start)] + e.new_text + text[off(e.range.end):]
    return text


async def code_actions(client: LanguageClient, uri: str, line: int = 0, only=None):
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)),
        context=types.CodeActionContext(diagnostics=list(client.diagnostics.get(uri, [])), only=only)))


def plain(obj):
    """pygls hands custom-request results to the client as nested namedtuples: back to JSON shapes."""
    if hasattr(obj, "_asdict"):
        return {k: plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


async def trace_request(client: LanguageClient, params: dict, msg_id: str | None = None):
    return plain(await client.protocol.send_request_async("tracefix/trace", params, msg_id=msg_id))


async def command(client: LanguageClient, name: str, *args):
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(command=name,
                                                                                   arguments=list(args)))


# -- tests ---------------------------------------------------------------------------------------

async def test_one_diagnostic_per_bug_at_the_most_suspicious_block(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    save(client, uri)
    diags = await diagnostics_for(client, uri, 1)
    assert len(diags) == 1, [d.message for d in diags]  # a one-character bug: one diagnostic, not four
    bug = diags[0]
    assert bug.code == "suspect-block" and bug.severity == types.DiagnosticSeverity.Error
    assert bug.code_description and bug.code_description.href.startswith("file:")
    assert Path(bug.code_description.href.removeprefix("file://")).is_file()
    assert bug.range.start.line in range(7, 11)  # inside letter(), not on the test
    assert "test_top_scores" in bug.message and re.search(r"[\"']B[\"']", bug.message)  # the test, the wrong value
    assert "letter:B" not in bug.message and "score 0." not in bug.message  # no internal ids or scores
    related = {r.message: r.location for r in bug.related_information}
    test = next(loc for m, loc in related.items() if m.startswith("grading.py::test_top_scores failed"))
    assert test.uri == uri and test.range.start.line == 18  # the failing assert
    assert any("score=90" in m for m in related), related  # the values of the run the sentence is about
    assert not any("score=95" in m for m in related), related


async def test_tests_in_other_files_map_back_to_the_document(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "inventory.py")
    diags = await diagnostics_for(client, uri, 1)
    assert [d.code for d in diags] == ["suspect-block"]
    where = next(r.location for r in diags[0].related_information if "test_sell_unknown_item_is_refused" in r.message)
    assert where.uri == (work / "test_inventory.py").as_uri()
    source = (work / "test_inventory.py").read_text().splitlines()
    assert source[where.range.start.line].startswith("def test_sell_unknown_item_is_refused")
    # The test file itself: test code is never the suspect, so the failing line carries it.
    test_uri = open_doc(client, work / "test_stats.py")
    diags = await diagnostics_for(client, test_uri, 1)
    assert [d.code for d in diags] == ["failing-test"] and diags[0].range.start.line == 11
    assert "2 tests fail here" in diags[0].message


async def test_fixing_the_code_clears_diagnostics(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    await diagnostics_for(client, uri, 1)
    # `if score > 90:` on line 8 (1-based) becomes `if score >= 90:`
    line = (work / "grading.py").read_text().splitlines()[7]
    col = line.index(">")
    edit(client, uri, 2, (7, col), (7, col + 1), ">=")
    save(client, uri)
    assert list(await diagnostics_for(client, uri, 2, nonempty=False)) == []


async def test_quick_fix_applies_and_tests_pass(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    await final_results(client, uri, 1)
    actions = await code_actions(client, uri, line=7)
    fixes = [a for a in actions if isinstance(a, types.CodeAction) and a.edit is not None]
    assert fixes, f"no quick fix offered: {actions}"
    best = fixes[0]
    assert best.kind == types.CodeActionKind.QuickFix
    change = best.edit.document_changes[0]
    assert change.text_document.version == 1  # pinned to the text the fix was computed on
    text = apply((work / "grading.py").read_text(), list(change.edits))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    # The client runs the command the action carries: that records the accept.
    result = await command(client, best.command.command, *best.command.arguments)
    assert result["recorded"] == "accept"
    from tracefix.feedback import FeedbackStore

    events = FeedbackStore(os.path.join(DATA_DIR, "feedback.sqlite3")).events()
    assert any(e["event"] == "accept" for e in events)
    save(client, uri)
    assert list(await diagnostics_for(client, uri, 2, nonempty=False)) == []


async def test_quick_fixes_only_where_the_problem_is_with_short_titles(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    await final_results(client, uri, 1)
    trace = await trace_request(client, {"uri": uri})
    display = {s["id"]: s["display"] for s in trace["suggestions"] if s["shown"]}
    bug = [p for p in published(client, uri) if p.version == 1 and p.diagnostics][-1].diagnostics[0]  # the final one
    for line in (7, bug.range.start.line):  # the edited line, and the line of the bug's diagnostic
        actions = await code_actions(client, uri, line=line)
        fixes = [a for a in actions if getattr(a, "edit", None)]
        assert fixes, f"no fix offered on line {line}"
        for fix in fixes:
            assert len(fix.title) <= 60 and fix.title.startswith("Use `"), fix.title
            assert "(fixes 1 test)" in fix.title and "letter:" not in fix.title
            sid = fix.command.arguments[1]
            assert bool(fix.is_preferred) == (display[sid] == "high")  # only the decide step's "high" level
        kinds = [a.kind for a in actions if isinstance(a, types.CodeAction)]
        first_dismiss = kinds.index("quickfix.tracefix.dismiss")
        assert all(k == types.CodeActionKind.QuickFix for k in kinds[:first_dismiss])  # dismissals come last
        assert not any(getattr(a, "edit", None) for a in actions[first_dismiss:])
    for line in (0, 21, 26):  # the docstring, other tests: away from the bug
        away = await code_actions(client, uri, line=line, only=[types.CodeActionKind.QuickFix])
        assert not away, f"a fix was offered on line {line}: {[a.title for a in away]}"


async def test_stale_fix_is_refused(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    await final_results(client, uri, 1)
    before = [a for a in await code_actions(client, uri, line=7, only=[types.CodeActionKind.QuickFix])
              if getattr(a, "edit", None)]
    assert before
    every = await command(client, "tracefix.showAllSuggestions", uri)
    assert len(every) >= len(before) and all(s["validation"] for s in every)
    dismiss = next(a for a in await code_actions(client, uri, line=7) if getattr(a, "title", "").startswith(
        "Dismiss"))
    assert (await command(client, dismiss.command.command, *dismiss.command.arguments))["recorded"] == "reject"
    edit(client, uri, 2, (0, 0), (0, 0), "# touched\n")  # version 2, not saved: no run
    after = await code_actions(client, uri, line=8, only=[types.CodeActionKind.QuickFix])
    assert not after  # a fix for version 1 is never offered at version 2
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=40, character=0))))
    assert not hints


@settings({"runOn": "save", "repair": False})
async def test_inlay_hints_hover_and_lenses(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "stats.py")
    diags = await diagnostics_for(client, uri, 1)
    top = next(d for d in diags if d.code == "suspect-block")
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=30, character=0))))
    assert hints and all(str(h.label).startswith("⟵ ") for h in hints)
    assert any(h.position.line == top.range.end.line for h in hints)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=top.range.start))
    assert hover is not None
    text = hover.contents.value
    assert "most suspicious block" in text and "before:" in text and "after:" in text
    assert "mean:B" not in text and "0.9" not in text.split("```")[0]  # no block ids or scores
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    titles = [lens.command.title for lens in lenses]
    assert "tracefix: 3 of 5 tests failing" in titles
    assert titles.count("Debug with trace") == 2  # mean and spread
    assert any("failing tests run this" in t for t in titles)
    assert all(lens.command.command == "tracefix.debugWithTrace" for lens in lenses)


@settings({"runOn": "manual", "repair": False})
async def test_commands_and_trace_request(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    report = await command(client, "tracefix.debugWithTrace", uri, "test_top_scores")
    assert report["schema"] == 1
    visits = [v for b in report["blocks"] for v in b["visits"]]
    assert visits and {v["test"] for v in visits} == {"grading.py::test_top_scores"}
    await diagnostics_for(client, uri, 1)  # a command run publishes like any other run
    trace = await trace_request(client, {"uri": uri})
    assert trace["schema"] == 1 and trace["tests"][0]["id"] == "grading.py::test_top_scores"
    assert await command(client, "tracefix.showAllSuggestions", uri) == []  # repair is off here
    assert await command(client, "tracefix.resetFeedback") == {"reset": True}
    with pytest.raises(JsonRpcException, match="unknown suggestion"):
        await command(client, "tracefix.acceptSuggestion", uri, "s999")
    with pytest.raises(JsonRpcException, match="no test matches"):
        await command(client, "tracefix.debugWithTrace", uri, "test_nothing_like_this")
    with pytest.raises(JsonRpcException, match="missing argument 'uri'"):
        await command(client, "tracefix.debugWithTrace")
    sources = await code_actions(client, uri, only=[types.CodeActionKind.Source])
    assert [a.title for a in sources] == ["Tracefix: Debug with trace"]


@settings({"runOn": "save", "repair": False})
@hold_runs
async def test_long_runs_report_progress(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "stats.py")
    run = await held(client, uri, 1)  # a long run: held until its progress indicator is up
    reports = await wait_for(lambda: next((r for r in client.progress_reports.values() if r), None),
                             what="progress to begin")
    await release(client, run)
    await final_results(client, uri, 1)
    await wait_for(lambda: isinstance(reports[-1], types.WorkDoneProgressEnd), what="progress end")
    begin = reports[0]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.title == "tracefix" and begin.cancellable
    assert [r for r in reports if isinstance(r, types.WorkDoneProgressEnd)] == [reports[-1]]
    # The engine had finished before the results were published: the last stage it reported is the
    # one shown last (repair is off, so localizing), whether it came as the Begin or a Report.
    assert (reports[-2].message, reports[-2].percentage) == ("localizing", 40)
    percentages = [r.percentage for r in reports if getattr(r, "percentage", None) is not None]
    assert percentages == sorted(percentages)


@settings({"runOn": "manual", "repair": False})
@hold_runs
async def test_cancel_request_stops_the_run(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "stats.py")
    msg_id = "trace-to-cancel"
    pending = asyncio.ensure_future(trace_request(client, {"uri": uri}, msg_id=msg_id))
    await held(client, uri, 1)  # the run has results and is still in flight
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcException) as err:
        await pending
    assert err.value.code == types.LSPErrorCodes.RequestCancelled.value
    assert await ended(client, uri, 1) == ["cancelled"]  # the run stopped with the request
    assert published(client, uri) == []


@settings({"runOn": "type", "debounceMs": 50, "repair": False})
@hold_runs
async def test_newer_edits_cancel_older_runs_and_stale_results_are_dropped(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    await held(client, uri, 1)  # version 1's run has results it has not published yet
    edit(client, uri, 2, (0, 0), (0, 0), "# v2\n")
    assert await ended(client, uri, 1) == ["cancelled"]
    await held(client, uri, 2)
    edit(client, uri, 3, (0, 0), (0, 0), "# v3\n")
    assert await ended(client, uri, 2) == ["cancelled"]
    await release(client, await held(client, uri, 3))
    diags = await diagnostics_for(client, uri, 3)
    assert await ended(client, uri, 3) == ["published"]
    assert {p.version for p in published(client, uri)} == {3}  # nothing for versions 1 and 2
    assert [d.range.start.line for d in diags] == [12]  # two lines were inserted above `return "B"`


@settings({"runOn": "manual", "repair": False})
async def test_configuration_change_applies_without_restart_and_quietly(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    assert not (await opened(client, uri))["scheduled"]
    assert published(client, uri) == [] and events(client, "ended", uri) == []  # manual: nothing runs by itself
    client.set_configuration({"runOn": "manual", "repair": False, "precision": 7}, section="tracefix")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: logged(client, "precision"), what="the problem in the log")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    client.set_configuration({"runOn": "save", "repair": False, "codeLens": False}, section="tracefix")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await diagnostics_for(client, uri, 1)  # runOn became save: the open document is re-run
    problems = [m for m in client.log_messages if "precision" in m.message]
    assert len(problems) == 1 and "7" in problems[0].message  # once, not once per change
    assert client.messages == []  # notifications are off by default: no showMessage at all
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert not lenses  # the toggle, applied in the same server


async def test_settings_per_workspace_folder(client: LanguageClient, work: Path, tmp_path_factory):
    """Each document runs with the settings of its own scope (VS Code answers per workspace folder)."""
    other = tmp_path_factory.mktemp("other-folder")
    for name in ("grading.py", "pytest.ini"):
        shutil.copy(work / name, other / name)
    client.set_configuration({"runOn": "manual"}, section="tracefix", scope_uri=other.as_uri())
    quiet, busy = open_doc(client, other / "grading.py"), open_doc(client, work / "grading.py")
    save(client, quiet)
    save(client, busy)
    await diagnostics_for(client, busy, 1)
    await final_results(client, busy, 1)
    assert not (await opened(client, quiet))["scheduled"]
    assert published(client, quiet) == []  # its folder says manual
    client.set_configuration({"runOn": "save"}, section="tracefix", scope_uri=other.as_uri())
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await diagnostics_for(client, quiet, 1)  # only its settings changed, and it runs now




def with_status(fn):
    fn.tracefix_status = True
    return fn


def statuses(client: LanguageClient, uri: str) -> list[dict]:
    return [st for st in client.statuses if st["uri"] == uri]


@with_status
async def test_status_for_the_client_and_syntax_errors_keep_the_last_diagnostics(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "grading.py")
    await final_results(client, uri, 1)
    done = await wait_for(lambda: [st for st in statuses(client, uri) if not st["running"] and st.get("tests")],
                          what="a final status")
    assert any(st["running"] for st in statuses(client, uri))  # a run in flight was announced
    final = done[-1]
    assert final["failing"] == 1 and final["total"] == 3 and final["fixes"] >= 1 and final["problem"] is None
    failed = next(t for t in final["tests"] if t["outcome"] == "failed")
    assert failed["id"] == "grading.py::test_top_scores" and failed["uri"] == uri and failed["defLine"] == 16
    assert failed["failLine"] == 18 and (failed["expected"], failed["actual"]) == ("'A'", "'B'")
    # No server-made progress for such a client: the status is its one indicator of a run.
    assert not any(client.progress_reports.values())
    kept = published(client, uri)[-1].diagnostics
    edit(client, uri, 2, (7, 0), (7, 0), "def (:\n")  # does not parse
    save(client, uri)
    broken = await wait_for(lambda: [st for st in statuses(client, uri) if st["version"] == 2 and not st["running"]
                                     and (st.get("problem") or {}).get("kind") == "syntax"], what="a syntax status")
    assert "syntax error at line 8" in broken[-1]["problem"]["message"]
    assert broken[-1]["failing"] == 1  # the last results stand
    assert published(client, uri)[-1].diagnostics == kept  # nothing new was published for version 2
    assert client.messages == []  # and no toast


@settings({"runOn": "manual", "repair": False})
@hold_runs
async def test_a_requested_run_reports_on_the_requests_token_and_can_be_cancelled(client: LanguageClient, work: Path):
    uri = open_doc(client, work / "stats.py")
    first = asyncio.ensure_future(trace_request(client, {"uri": uri, "rerun": True, "workDoneToken": "mine-1"}))
    run1 = await held(client, uri, 1)
    await release(client, run1)
    report = await first
    assert report["schema"] == 1 and report["tests"]
    assert [type(r).__name__ for r in client.progress_reports["mine-1"]][::len(client.progress_reports["mine-1"]) - 1] \
        == ["WorkDoneProgressBegin", "WorkDoneProgressEnd"]
    assert list(client.progress_reports) == ["mine-1"]  # one indicator: the request's own
    assert all(t.get("uri") for t in report["tests"]) and "display" not in report["blocks"][0]
    assert [b["test_code"] for b in report["blocks"]][0] is False  # the top suspect is the code under test
    pending = asyncio.ensure_future(trace_request(client, {"uri": uri, "rerun": True, "workDoneToken": "mine-2"},
                                                  msg_id="rerun-to-cancel"))
    run2 = (await wait_for(lambda: [e for e in events(client, "held", uri) if e["run"] != run1["run"]],
                           what="the second run to hold"))[0]
    assert client.progress_reports.get("mine-2")  # it began on the request's token
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="rerun-to-cancel"))
    with pytest.raises(JsonRpcException) as err:
        await pending
    assert err.value.code == types.LSPErrorCodes.RequestCancelled.value
    outcomes = await wait_for(lambda: [e["outcome"] for e in events(client, "ended", uri, run=run2["run"])],
                              what="the second run to end")
    assert outcomes == ["cancelled"]
    assert [e["outcome"] for e in events(client, "ended", uri, run=run1["run"])] == ["published"]
