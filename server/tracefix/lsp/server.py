"""The pygls server: document sync, configuration, and the read-only views over the last result.

Handlers on this module answer from the document's current ``Snapshot`` and never
wait for a run, so hovers and code actions stay fast while the tests run in a worker
thread. Commands live in ``commands.py``; scheduling in ``runs.py``.

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
from tracefix.lsp import code_actions, code_lenses, diagnostics, status, trace_views
from tracefix.lsp.feedback_bridge import Feedback
from tracefix.lsp.runs import Runner
from tracefix.lsp.settings import SECTION, Configuration, Scoped
from tracefix.lsp.state import DocState, Run, Snapshot, pick_test
from tracefix.model import Report

log = logging.getLogger(__name__)
CONFIG_WAIT_S = 3.0  # how long the first run waits for the client's workspace configuration
HANDED_OUT_KEPT = 200  # suggestion ids remembered per document for late accept/reject commands
# A request pygls cannot take as it is becomes a request for this method, whose handler answers
# with the JSON-RPC error it deserves: through pygls' own request path, so nothing private is used.
REFUSED = "tracefix/refusedRequest"


class _AnsweringProtocol(LanguageServerProtocol):
    """pygls drops a request whose params do not fit the method; JSON-RPC wants -32602, or the client waits forever."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "method" in data and data.get("id") is not None:
                return refused(data["id"], exc)
            raise


def refused(msg_id, exc: JsonRpcException) -> JsonRPCRequestMessage:
    return JsonRPCRequestMessage(id=msg_id, method=REFUSED, jsonrpc="2.0",
                                 params={"code": exc.code, "message": exc.message})


class TracefixServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("tracefix", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=_AnsweringProtocol)
        self.config = Configuration()
        self.feedback = Feedback()
        self.runner = Runner(self)
        self.configured: asyncio.Event | None = None  # created on the loop in `initialized`
        self._pending_problems: list[str] = []
        self._lens_cache: dict[str, tuple[int, list]] = {}
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
        """The last result, only while the document still has exactly the text it was computed on."""
        state = self.runner.docs.get(uri)
        doc = self.document(uri)
        if state is None or state.snapshot is None or doc is None:
            return None
        snap = state.snapshot
        if snap.version == doc.version:
            return snap
        if snap.text == doc.source:
            # Undo back to the debugged text: same text, newer version. Edits must name the version
            # the client has now, or it refuses them.
            snap.version = doc.version
            return snap
        return None

    def settings_for(self, uri: str) -> Scoped:
        return self.config.for_uri(uri)

    @property
    def codec(self):
        return self.workspace.position_codec

    # -- output ------------------------------------------------------------------------------

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
        state.last_report = report
        selected = pick_test(report, run.test or state.selected_test)
        snap = Snapshot(uri=state.uri, path=self.path_of(state.uri) or "", version=run.version, text=run.text,
                        report=report, selected_test=selected)
        for m in report.messages:
            self.log(m)
        if status.syntax_problem(report):
            # Half-typed code: the last results and their diagnostics stay; the status says why nothing ran.
            self.log(f"{report.error} (keeping the last results)")
            return snap
        old = state.snapshot
        if old is not None and old.text != run.text:
            state.show_all = False
            self._record_ignored(state)
        state.snapshot = snap
        if final:
            state.undecided = {s.id: dict(s.features) for s in report.suggestions if s.shown}
            for s in report.suggestions:
                state.handed_out[f"{run.version}:{s.id}"] = dict(s.features)
                state.handed_out[s.id] = dict(s.features)
            while len(state.handed_out) > HANDED_OUT_KEPT:  # bounded: a long session must not grow
                del state.handed_out[next(iter(state.handed_out))]
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

    def _record_ignored(self, state: DocState) -> None:
        """Shown fixes the user edited past without accepting or rejecting count as ignored."""
        pending, state.undecided = list(state.undecided.values()), {}
        pending = [f for f in pending if f.get("key") not in state.ignored_keys]
        state.ignored_keys.update(f["key"] for f in pending if f.get("key"))
        if not pending:
            return

        def record() -> None:
            for features in pending:
                try:
                    self.feedback.record(features, "ignore")
                except Exception as exc:
                    log.info("ignore not recorded: %s", exc)

        threading.Thread(target=record, name="tracefix-feedback", daemon=True).start()

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
        before = {u: self.config.for_uri(u) for u in self.runner.docs}
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

    def lenses(self, uri: str) -> list[types.CodeLens]:
        doc = self.document(uri)
        if doc is None or not self.settings_for(uri).editor.code_lens:
            return []
        snap = self.snapshot(uri)
        if snap is not None and snap.report.segmentation is not None:
            functions = snap.report.segmentation.functions
        else:
            cached = self._lens_cache.get(uri)
            if cached is None or cached[0] != doc.version:
                cached = (doc.version, _functions(doc.source))
                self._lens_cache[uri] = cached
            functions = cached[1]
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


def build_server() -> TracefixServer:
    server = TracefixServer()
    register(server)
    from tracefix.lsp.commands import register as register_commands

    register_commands(server)
    return server


def register(server: TracefixServer) -> None:  # noqa: C901 - one small handler per LSP method
    @server.feature(REFUSED)
    def refuse(params) -> None:
        get = params.get if isinstance(params, dict) else lambda k, d=None: getattr(params, k, d)
        raise JsonRpcException(message=str(get("message", "invalid request")), code=int(get("code", -32600)))

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        server._pending_problems = server.config.update(initial=params.initialization_options or {})[1]

    @server.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        server.configured = asyncio.Event()
        server.show_once(server._pending_problems)
        asyncio.get_running_loop().run_in_executor(server.runner.pool, _warm_up)
        await server.pull_configuration()
        server.configured.set()

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None) -> None:
        server.runner.stop_all()
        server.stopping = True

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        """Applied at once, no restart: re-runs only documents whose settings changed and run by themselves."""
        settings = params.settings
        uris = list(server.runner.docs)
        if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
            before = {u: server.settings_for(u) for u in uris}
            server.apply_configuration(workspace=settings)  # the old way: the settings come along
            moved = {u for u in uris if server.settings_for(u) != before[u]}
        else:  # the modern way: the notification is only a hint to pull again
            moved = await server.pull_configuration(uris)
        if not moved:
            return
        server.log(f"configuration changed for {len(moved)} document(s)")
        server.refresh_views()
        for uri in moved:
            if server.settings_for(uri).engine.run_on != "manual" and server.document(uri) is not None:
                server.runner.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        state = server.runner.doc(uri)
        state.configured = asyncio.Event()
        try:
            await server.wait_configured()
            await server.pull_configuration([uri])
        finally:
            state.configured.set()
        if server.settings_for(uri).engine.run_on != "manual" and server.document(uri) is not None:
            server.runner.schedule(uri)

    def once_configured(uri: str, then) -> None:
        """A save or an edit that arrives while the document's own settings are still being asked for waits."""
        state = server.runner.docs.get(uri)
        if state is None or state.configured is None or state.configured.is_set():
            then(server.settings_for(uri).engine)  # the usual case: at once, in message order
            return

        async def later() -> None:
            await state.configured.wait()
            if server.document(uri) is not None:
                then(server.settings_for(uri).engine)

        asyncio.ensure_future(later())

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        server.runner.edited(uri)
        once_configured(uri, lambda settings: server.runner.schedule(uri, settings.debounce_ms / 1000)
                        if settings.run_on == "type" else None)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        once_configured(uri, lambda settings: server.runner.schedule(uri) if settings.run_on != "manual" else None)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        server.runner.close(uri)
        server.config.forget(uri)
        server._lens_cache.pop(uri, None)
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[
        types.CodeActionKind.QuickFix, code_actions.KIND_DEBUG, code_actions.KIND_SHOW_ALL]))
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        only = params.context.only
        snap = server.snapshot(uri)
        out = []
        if snap is not None and code_actions.wanted(only, types.CodeActionKind.QuickFix.value):
            state = server.runner.doc(uri)
            out += code_actions.quick_fixes(snap, server.codec, state.show_all, params.range,
                                            list(params.context.diagnostics))
        out += [a for a in code_actions.source_actions(uri, snap) if code_actions.wanted(only, a.kind)]
        return out

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    def inlay_hint(params: types.InlayHintParams) -> list[types.InlayHint]:
        uri = params.text_document.uri
        snap = server.snapshot(uri)
        if snap is None or not server.settings_for(uri).editor.inlay_hints:
            return []
        return trace_views.inlay_hints(snap, server.codec, params.range)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        snap = server.snapshot(params.text_document.uri)
        return trace_views.hover(snap, server.codec, params.position) if snap else None

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    def code_lens(params: types.CodeLensParams) -> list[types.CodeLens]:
        return server.lenses(params.text_document.uri)


def _warm_up() -> None:
    """Import the pipeline once in the background so the first run does not pay for it."""
    try:
        from tracefix import engine  # noqa: F401
        import importlib

        for name in ("segment", "discover", "trace", "localize", "repair", "decide", "sandbox"):
            try:
                importlib.import_module(f"tracefix.{name}")
            except ImportError:
                pass
    except Exception:
        pass
