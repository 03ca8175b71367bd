"""workspace/executeCommand handlers and the ``tracefix/trace`` request.

Commands take loosely typed JSON arguments (any client can send them), so each one
checks its arguments and fails with a one-line message instead of a stack trace. They are
module-level functions taking the server as ``ls`` (pygls injects it); ``build_server``
registers ``COMMANDS`` and ``FEATURES``.

Cancelling: ``tracefix/trace`` is an ordinary async request, so ``$/cancelRequest``
cancels its coroutine and with it the run (``Runner.result``); with ``rerun`` it is what
an editor's "Debug with Trace" sends, with the request's ``workDoneToken`` as the run's
one progress indicator. A run started by ``tracefix.debugWithTrace`` (executeCommand,
which pygls dispatches through a generator that keeps the request out of reach) is
cancelled from its progress indicator instead. A run that ends without results (cancelled,
or the document changed) answers with RequestCancelled, which clients do not show as an
error.
"""
from __future__ import annotations

import asyncio
from typing import Any

from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcRequestCancelled

from tracefix.lsp.diagnostics import is_test_code
from tracefix.lsp.feedback_bridge import FeedbackUnavailable
from tracefix.lsp.status import describe_test
from tracefix.lsp.state import Snapshot, pick_test
from tracefix.model import to_json

TRACE_REQUEST = "tracefix/trace"


def _bad(message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(message=message)


def _arg(args: tuple, i: int, name: str, required: bool = True) -> Any:
    value = args[i] if len(args) > i else None
    if isinstance(value, dict) and name in value:  # some clients wrap arguments in one object
        value = value[name]
    if value is None and required:
        raise _bad(f"missing argument '{name}'")
    if value is not None and not isinstance(value, str):
        raise _bad(f"argument '{name}' must be a string, got {type(value).__name__}")
    return value


def trace_json(snapshot: Snapshot, test: str | None) -> dict:
    """Schema 1, with block visits narrowed to one test when the client asked for one.

    Schema 1 plus what an editor needs to place things (extra keys, which schema-1 readers
    ignore): each test's location, failing line and expected/actual values; whether a block is
    test code; each suggestion's display level.
    """
    report = snapshot.report
    data = to_json(report)
    if test:
        for block in data["blocks"]:
            block["visits"] = [v for v in block["visits"] if v["test"] == test]
    for entry, result in zip(data["tests"], report.tests):
        entry.update({k: v for k, v in describe_test(snapshot, result).items() if k not in entry})
    for entry, scored in zip(data["blocks"], report.blocks):
        entry["test_code"] = is_test_code(scored.block.function)
    for entry, suggestion in zip(data["suggestions"], report.suggestions):
        entry["display"] = suggestion.features.get("display", "none")
    return data


def _dropped() -> JsonRpcRequestCancelled:
    return JsonRpcRequestCancelled(message="the run was cancelled or the document changed while it ran; "
                                           "results were dropped")


def _open(ls, uri: str) -> str:
    if ls.document(uri) is None:
        raise _bad(f"document not open: {uri}")
    return uri


async def _run_and_wait(ls, uri: str, test: str | None, token=None) -> Snapshot:
    run = ls.runner.start(uri, test=test, token=token)
    if run is None:
        raise _bad(f"document not open: {uri}")
    snap = await ls.runner.result(run)
    if snap is None:
        raise _dropped()
    return snap


async def debug_with_trace(ls, *args):
    uri = _open(ls, _arg(args, 0, "uri"))
    test = _arg(args, 1, "testId", required=False)
    ls.documents.state(uri).selected_test = test
    snap = await _run_and_wait(ls, uri, test)
    if test and pick_test(snap.report, test) is None:
        raise _bad(f"no test matches '{test}'")
    return trace_json(snap, snap.selected_test if test else None)


async def show_all_suggestions(ls, *args):
    uri = _open(ls, _arg(args, 0, "uri"))
    snap = ls.snapshot(uri)
    if snap is None:
        raise _bad("no current debug results for this document; run tracefix.debugWithTrace first")
    ls.documents.state(uri).show_all = True
    return to_json(snap.report)["suggestions"]


async def _feedback(ls, event: str, args: tuple):
    uri = _arg(args, 0, "uri")
    sid = _arg(args, 1, "id")
    version = args[2] if len(args) > 2 and isinstance(args[2], int) else None
    features = ls.documents.handed_out(uri, sid, version)
    if features is None:
        raise _bad(f"unknown suggestion '{sid}' for {uri}")
    try:
        await asyncio.to_thread(ls.feedback.record, {**features, "suggestion": sid}, event)
    except FeedbackUnavailable as exc:
        raise JsonRpcInternalError(message=str(exc)) from exc
    ls.documents.decided(uri, sid)
    ls.log(f"recorded {event} of {sid}")
    return {"recorded": event, "id": sid}


async def accept_suggestion(ls, *args):
    return await _feedback(ls, "accept", args)


async def reject_suggestion(ls, *args):
    return await _feedback(ls, "reject", args)


async def reset_feedback(ls, *args):
    try:
        await asyncio.to_thread(ls.feedback.reset)
    except FeedbackUnavailable as exc:
        raise JsonRpcInternalError(message=str(exc)) from exc
    ls.log("feedback reset")
    return {"reset": True}


async def trace(ls, params):
    get = params.get if isinstance(params, dict) else lambda k, d=None: getattr(params, k, d)
    uri = get("uri")
    test = get("testId")
    if not isinstance(uri, str):
        raise _bad("tracefix/trace needs params {uri, testId?}")
    _open(ls, uri)
    if test is not None and not isinstance(test, str):
        raise _bad("testId must be a string")
    token = get("workDoneToken")
    if not isinstance(token, (str, int)) or isinstance(token, bool):
        token = None
    snap = ls.snapshot(uri)
    if get("rerun") is True:
        ls.documents.state(uri).selected_test = test
    if get("rerun") is True or snap is None or snap.report.run is None or (
            test and pick_test(snap.report, test) is None):
        snap = await _run_and_wait(ls, uri, test, token)
    chosen = pick_test(snap.report, test) if test else None
    if test and chosen is None:
        raise _bad(f"no test matches '{test}'")
    return trace_json(snap, chosen)


COMMANDS = {
    "tracefix.debugWithTrace": debug_with_trace,
    "tracefix.showAllSuggestions": show_all_suggestions,
    "tracefix.acceptSuggestion": accept_suggestion,
    "tracefix.rejectSuggestion": reject_suggestion,
    "tracefix.resetFeedback": reset_feedback,
}
FEATURES = [(TRACE_REQUEST, None, trace)]
