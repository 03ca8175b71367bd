"""The pygls server object: what the client supports, output to the client, configuration, publishing.

The handlers of LSP methods are module-level functions in ``handlers.py`` and
``commands.py``, registered on the server in ``build_server`` (pygls injects the server
as their first argument, ``ls``). Per-document state lives in the ``Documents`` store
(documents.py); runs are scheduled by the ``Runner`` (runs.py), which gets this server's
``publish`` and ``log`` as callbacks and does not import it.

The surface is quiet on purpose: no showMessage unless the user turned notifications
on (the log and, in VS Code, the status item say it instead); a file that does not
parse keeps its last diagnostics; progress is shown once per run.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcParseError
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCRequestMessage, LanguageServerProtocol
from pygls.uris import to_fs_path

from tracefix import __version__
from tracefix.lsp import commands, diagnostics, handlers, status, testhooks
from tracefix.lsp.documents import Documents
from tracefix.lsp.feedback_bridge import Feedback
from tracefix.lsp.progress import RunProgress
from tracefix.lsp.runs import Runner
from tracefix.lsp.settings import SECTION, Configuration, Scoped
from tracefix.lsp.state import DocState, Run, Snapshot, pick_test
from tracefix.model import Report

log = logging.getLogger(__name__)
CONFIG_WAIT_S = 3.0  # how long the first run waits for the client's workspace configuration


class _AnsweringProtocol(LanguageServerProtocol):
    """pygls drops a request whose params do not fit the method; JSON-RPC wants -32602, or the client waits forever.

    Such a request becomes a request for ``handlers.REFUSED``, whose handler answers with the error
    it deserves: through pygls' own request path, so nothing private is used.
    """

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "method" in data and data.get("id") is not None:
                return refused(data["id"], exc)
            raise


def refused(msg_id, exc: JsonRpcException) -> JsonRPCRequestMessage:
    return JsonRPCRequestMessage(id=msg_id, method=handlers.REFUSED, jsonrpc="2.0",
                                 params={"code": exc.code, "message": exc.message})


class TracefixServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tracefix", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=_AnsweringProtocol)
        self.config = Configuration()
        self.feedback = Feedback()
        self.documents = Documents(self.document)
        self.runner = Runner(self.documents, settings=lambda uri: self.config.for_uri(uri).engine,
                             path_of=self.path_of, publish=self.publish, log=self.log, status=self.send_status,
                             progress=self._progress)
        self.test_events = False  # test hooks (testhooks.py), only when the client asked for them
        self.holds: testhooks.Holds | None = None
        self.configured: asyncio.Event | None = None  # created on the loop in `initialized`
        self.pending_problems: list[str] = []
        self.stopping = False  # after `shutdown`: nothing more may be written to the client

    # -- client capabilities -----------------------------------------------------------------

    def _cap(self, *path: str) -> bool:
        node = self.client_capabilities
        for name in path:
            node = getattr(node, name, None)
            if node is None:
                return False
        return bool(node)

    def supports_progress(self) -> bool:
        return self._cap("window", "work_done_progress")

    def client_shows_status(self) -> bool:
        """The client asked for ``tracefix/status`` and shows runs itself (the VS Code extension)."""
        experimental = getattr(self.client_capabilities, "experimental", None)
        return isinstance(experimental, dict) and experimental.get(status.CAPABILITY) is True

    def wants_progress(self) -> bool:
        """Server-created progress for runs nobody asked for by request: only where nothing else shows them."""
        return self.supports_progress() and not self.client_shows_status()

    # -- documents ---------------------------------------------------------------------------

    def document(self, uri: str):
        return self.workspace.text_documents.get(unquote(uri))

    def path_of(self, uri: str) -> str | None:
        return to_fs_path(uri) if uri.startswith("file:") else None

    def report_server_error(self, error: Exception, source) -> None:
        if isinstance(error, json.JSONDecodeError):  # JSON-RPC: a body that is not JSON gets -32700, id null
            self.protocol.handle_message(refused(None, JsonRpcParseError("the message is not valid JSON")))
            return
        super().report_server_error(error, source)

    def snapshot(self, uri: str) -> Snapshot | None:
        return self.documents.snapshot(uri)

    def settings_for(self, uri: str) -> Scoped:
        return self.config.for_uri(uri)

    @property
    def codec(self):
        return self.workspace.position_codec

    # -- output ------------------------------------------------------------------------------

    def _progress(self, run: Run, on_cancel) -> RunProgress:
        return RunProgress(self, "tracefix", self.wants_progress(), on_cancel=on_cancel, token=run.token)

    def log(self, message: str, error: bool = False) -> None:
        if self.stopping:
            return
        self.window_log_message(types.LogMessageParams(
            type=types.MessageType.Error if error else types.MessageType.Log, message=f"tracefix: {message}"))

    def show_once(self, problems: list[str]) -> None:
        """Each distinct problem once per session: in the log always, as a message only when the user wants them."""
        for p in self.config.first_time(problems):
            self.log(p)
            if self.config.default.editor.show_notifications:
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning,
                                                                 message=f"tracefix: {p}"))

    def send_status(self, state: DocState) -> None:
        if self.stopping or not self.client_shows_status():
            return
        doc = self.document(state.uri)
        self.protocol.notify(status.STATUS_NOTIFICATION, status.payload(state, doc.version if doc else None))

    def refresh_views(self) -> None:
        if self._cap("workspace", "inlay_hint", "refresh_support"):
            self.workspace_inlay_hint_refresh(None)
        if self._cap("workspace", "code_lens", "refresh_support"):
            self.workspace_code_lens_refresh(None)

    def publish(self, state: DocState, run: Run, report: Report, final: bool) -> Snapshot:
        self.documents.reported(state, report)
        selected = pick_test(report, run.test or state.selected_test)
        snap = Snapshot(uri=state.uri, path=self.path_of(state.uri) or "", version=run.version, text=run.text,
                        report=report, selected_test=selected)
        for m in report.messages:
            self.log(m)
        if status.syntax_problem(report):
            # Half-typed code: the last results and their diagnostics stay; the status says why nothing ran.
            self.log(f"{report.error} (keeping the last results)")
            return snap
        self.record_ignored(self.documents.keep(state, snap, final))
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=state.uri, version=run.version, diagnostics=diagnostics.build(snap, self.codec)))
        if report.error:
            self.show_once([report.error])
        self.refresh_views()
        if not final:
            self.send_status(state)  # the final status follows when the run has ended
        failing = len(report.failing)
        self.log(f"{'results' if final else 'early results'} for version {run.version}: "
                 f"{failing} failing of {len(report.tests)}, {len(report.suggestions)} suggestions "
                 f"({sum(s.shown for s in report.suggestions)} shown)")
        return snap

    def record_ignored(self, pending: list[dict]) -> None:
        """Shown fixes the user edited past without accepting or rejecting count as ignored (off the loop)."""
        if not pending:
            return

        def record() -> None:
            for features in pending:
                try:
                    self.feedback.record(features, "ignore")
                except Exception as exc:
                    log.info("ignore not recorded: %s", exc)

        threading.Thread(target=record, name="tracefix-feedback", daemon=True).start()

    # -- test hooks --------------------------------------------------------------------------

    def enable_test_hooks(self, hold: bool) -> None:
        self.test_events = True
        self.runner.on_end = lambda uri, version, number, outcome: self.test_event(
            {"event": "ended", "uri": uri, "version": version, "run": number, "outcome": outcome})
        if hold:
            self.holds = testhooks.Holds(self.test_event)
            self.runner.hold = self.holds.wait

    def test_event(self, payload: dict) -> None:
        if self.test_events and not self.stopping:
            self.protocol.notify(testhooks.EVENT, payload)

    # -- configuration -----------------------------------------------------------------------

    async def pull_configuration(self, uris: list[str] | None = None) -> set[str]:
        """Ask for the unscoped section and, per document in ``uris``, the section scoped to it.

        Returns the documents whose settings changed (all of them when the unscoped ones did).
        """
        if not self._cap("workspace", "configuration"):
            return set()
        uris = list(uris or [])
        items = [types.ConfigurationItem(section=SECTION)]
        items += [types.ConfigurationItem(scope_uri=u, section=SECTION) for u in uris]
        try:
            result = await self.workspace_configuration_async(types.ConfigurationParams(items=items))
        except Exception as exc:
            self.log(f"workspace/configuration failed: {exc}")
            return set()
        result = list(result or [])
        result += [None] * (len(items) - len(result))
        before = {u: self.config.for_uri(u) for u in self.documents}
        changed, problems = self.config.update(workspace=result[0] or {})
        for uri, answer in zip(uris, result[1:]):
            if answer is not None:
                problems += self.config.update_scope(uri, answer)[1]
        self.show_once(problems)
        moved = {u for u, old in before.items() if self.config.for_uri(u) != old}
        return moved | (set(uris) if changed else set())

    def apply_configuration(self, **raw) -> bool:
        changed, problems = self.config.update(**raw)
        self.show_once(problems)
        return changed

    async def wait_configured(self) -> None:
        if self.configured is not None and not self.configured.is_set():
            try:
                await asyncio.wait_for(self.configured.wait(), CONFIG_WAIT_S)
            except asyncio.TimeoutError:
                pass


def build_server() -> TracefixServer:
    """The server with every handler registered (the handlers are module-level functions)."""
    server = TracefixServer()
    for method, options, handler in handlers.FEATURES + commands.FEATURES:
        server.feature(method, options)(handler)
    for name, handler in commands.COMMANDS.items():
        server.command(name)(handler)
    return server
