"""Handlers of LSP methods: document sync, configuration and the read-only views.

Module-level functions, as in pygls' examples: pygls passes the server as the first
argument (``ls``, a ``TracefixServer``) because of that name. ``build_server`` (server.py)
registers ``FEATURES``. The view handlers answer from the document's current snapshot
and never wait for a run, so hovers and code actions stay fast while tests run in a
worker thread.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tracefix.config import Settings
from tracefix.lsp import code_actions, code_lenses, testhooks, trace_views
from tracefix.lsp.settings import SECTION

# server.py turns a request pygls cannot take as it is into a request for this method, answered with an error.
REFUSED = "tracefix/refusedRequest"


def refuse(ls, params) -> None:
    get = params.get if isinstance(params, dict) else lambda k, d=None: getattr(params, k, d)
    raise JsonRpcException(message=str(get("message", "invalid request")), code=int(get("code", -32600)))


# -- lifecycle and configuration -----------------------------------------------------------------

def initialize(ls, params: types.InitializeParams) -> None:
    ls.pending_problems = ls.config.update(initial=params.initialization_options or {})[1]
    hooks = testhooks.wanted(params.initialization_options)
    if hooks["events"] or hooks["holdRuns"]:
        ls.enable_test_hooks(hold=hooks["holdRuns"])


async def initialized(ls, params: types.InitializedParams) -> None:
    ls.configured = asyncio.Event()
    ls.show_once(ls.pending_problems)
    asyncio.get_running_loop().run_in_executor(ls.runner.pool, _warm_up)
    await ls.pull_configuration()
    ls.configured.set()


def shutdown(ls, params: None) -> None:
    ls.runner.stop_all()
    ls.stopping = True


async def did_change_configuration(ls, params: types.DidChangeConfigurationParams) -> None:
    """Applied at once, no restart: re-runs only documents whose settings changed and run by themselves."""
    settings = params.settings
    uris = list(ls.documents)
    if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
        before = {u: ls.settings_for(u) for u in uris}
        ls.apply_configuration(workspace=settings)  # the old way: the settings come along
        moved = {u for u in uris if ls.settings_for(u) != before[u]}
    else:  # the modern way: the notification is only a hint to pull again
        moved = await ls.pull_configuration(uris)
    if not moved:
        return
    ls.log(f"configuration changed for {len(moved)} document(s)")
    ls.refresh_views()
    for uri in moved:
        if ls.settings_for(uri).engine.run_on != "manual" and ls.document(uri) is not None:
            ls.runner.schedule(uri)


# -- document sync -------------------------------------------------------------------------------

async def did_open(ls, params: types.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    state = ls.documents.state(uri)
    state.configured = asyncio.Event()
    try:
        await ls.wait_configured()
        await ls.pull_configuration([uri])
    finally:
        state.configured.set()
    scheduled = ls.settings_for(uri).engine.run_on != "manual" and ls.document(uri) is not None
    if scheduled:
        ls.runner.schedule(uri)
    ls.test_event({"event": "opened", "uri": uri, "scheduled": scheduled})


def once_configured(ls, uri: str, then: Callable[[Settings], Any]) -> None:
    """A save or an edit that arrives while the document's own settings are still being asked for waits."""
    state = ls.documents.get(uri)
    if state is None or state.configured is None or state.configured.is_set():
        then(ls.settings_for(uri).engine)  # the usual case: at once, in message order
        return

    async def later() -> None:
        await state.configured.wait()
        if ls.document(uri) is not None:
            then(ls.settings_for(uri).engine)

    asyncio.ensure_future(later())


def did_change(ls, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.runner.edited(uri)
    once_configured(ls, uri, lambda settings: ls.runner.schedule(uri, settings.debounce_ms / 1000)
                    if settings.run_on == "type" else None)


def did_save(ls, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    once_configured(ls, uri, lambda settings: ls.runner.schedule(uri) if settings.run_on != "manual" else None)


def did_close(ls, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.runner.close(uri)
    ls.config.forget(uri)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# -- views over the last result ------------------------------------------------------------------

def code_action(ls, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    only = params.context.only
    snap = ls.snapshot(uri)
    out = []
    if snap is not None and code_actions.wanted(only, types.CodeActionKind.QuickFix.value):
        out += code_actions.quick_fixes(snap, ls.codec, ls.documents.state(uri).show_all, params.range,
                                        list(params.context.diagnostics))
    out += [a for a in code_actions.source_actions(uri, snap) if code_actions.wanted(only, a.kind)]
    return out


def inlay_hint(ls, params: types.InlayHintParams) -> list[types.InlayHint]:
    uri = params.text_document.uri
    snap = ls.snapshot(uri)
    if snap is None or not ls.settings_for(uri).editor.inlay_hints:
        return []
    return trace_views.inlay_hints(snap, ls.codec, params.range)


def hover(ls, params: types.HoverParams) -> types.Hover | None:
    snap = ls.snapshot(params.text_document.uri)
    return trace_views.hover(snap, ls.codec, params.position) if snap else None


def code_lens(ls, params: types.CodeLensParams) -> list[types.CodeLens]:
    uri = params.text_document.uri
    doc = ls.document(uri)
    if doc is None or not ls.settings_for(uri).editor.code_lens:
        return []
    snap = ls.snapshot(uri)
    if snap is not None and snap.report.segmentation is not None:
        functions = snap.report.segmentation.functions
    else:
        functions = ls.documents.functions(uri, doc.version, lambda: _functions(doc.source))
    return code_lenses.lenses(uri, functions, snap)


def _functions(text: str) -> list:
    """Functions of a document without running anything (tree-sitter only)."""
    from tracefix.engine import MAX_DOCUMENT_CHARS
    from tracefix.segment import segment

    if len(text) > MAX_DOCUMENT_CHARS:  # the engine refuses such files too; no lenses beats a stalled server
        return []
    try:
        return segment(text).functions
    except Exception:  # half-typed code must not break lenses
        return []


def _warm_up() -> None:
    """Import the pipeline once in the background so the first run does not pay for it."""
    import importlib

    for name in ("engine", "segment", "discover", "trace", "localize", "confirm", "repair", "decide", "sandbox"):
        try:
            importlib.import_module(f"tracefix.{name}")
        except Exception:  # a module renamed by another change only makes the first run slower
            pass


# -- test hooks ----------------------------------------------------------------------------------

def release(ls, params) -> dict:
    """``tracefix/test/release {run}``: let that run publish its results (testhooks.py)."""
    get = params.get if isinstance(params, dict) else lambda k, d=None: getattr(params, k, d)
    run = get("run")
    if ls.holds is None:
        raise JsonRpcException(message="test hooks are off", code=-32601)
    if not isinstance(run, int) or isinstance(run, bool):
        raise JsonRpcException(message=f"{testhooks.RELEASE} needs params {{run}}", code=-32602)
    ls.holds.release(run)
    return {"released": run}


FEATURES: list[tuple[str, Any, Callable]] = [
    (REFUSED, None, refuse),
    (types.INITIALIZE, None, initialize),
    (types.INITIALIZED, None, initialized),
    (types.SHUTDOWN, None, shutdown),
    (types.WORKSPACE_DID_CHANGE_CONFIGURATION, None, did_change_configuration),
    (types.TEXT_DOCUMENT_DID_OPEN, None, did_open),
    (types.TEXT_DOCUMENT_DID_CHANGE, None, did_change),
    (types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False), did_save),
    (types.TEXT_DOCUMENT_DID_CLOSE, None, did_close),
    (types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[
        types.CodeActionKind.QuickFix, code_actions.KIND_DEBUG, code_actions.KIND_SHOW_ALL]), code_action),
    (types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False), inlay_hint),
    (types.TEXT_DOCUMENT_HOVER, None, hover),
    (types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False), code_lens),
    (testhooks.RELEASE, None, release),
]
