"""Quick fixes for shown suggestions, plus the "Debug with trace" / "Show all suggestions" source actions.

Each quick fix carries a ``TextDocumentEdit`` pinned to the document version the fix
was computed for: a client refuses to apply it once the document has moved on, and
the server stops offering it at all (see ``Snapshot``). The server itself never
writes a user's file; applying is always the client's, on the user's choice.
"""
from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from tracefix.lsp.positions import edit_to_client
from tracefix.lsp.state import Snapshot
from tracefix.model import Suggestion

KIND_DEBUG = "source.tracefix.debugWithTrace"
KIND_SHOW_ALL = "source.tracefix.showAllSuggestions"


def offered(snapshot: Snapshot, show_all: bool) -> list[Suggestion]:
    """Suggestions that become quick fixes: the shown ones, or every validated one after "show all"."""
    out = [s for s in snapshot.report.suggestions if s.shown]
    if show_all:
        out += [s for s in snapshot.report.suggestions
                if not s.shown and s.validation is not None and not s.validation.broken and s.validation.fixed]
    return out


def short(text: str, limit: int = 90) -> str:
    first = text.strip().split("\n")[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def quick_fixes(snapshot: Snapshot, codec: PositionCodec, show_all: bool,
                diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    ours = [d for d in diagnostics if d.source == "tracefix"]
    actions = []
    for i, s in enumerate(offered(snapshot, show_all)):
        v = s.validation
        score = f" ({len(v.fixed)} test{'s' if len(v.fixed) != 1 else ''} fixed)" if v else ""
        title = f"tracefix: {s.title}{score}"
        if s.explanation:
            title += f" — {short(s.explanation)}"
        edit = types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=snapshot.uri, version=snapshot.version),
            edits=[edit_to_client(codec, snapshot.lines, e) for e in s.edits],
        )
        actions.append(types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, diagnostics=ours or None,
            is_preferred=(i == 0 and s.shown), edit=types.WorkspaceEdit(document_changes=[edit]),
            # Runs after the client applied the edit: that is how an accept reaches the feedback store.
            command=types.Command(title="Record that the fix was accepted", command="tracefix.acceptSuggestion",
                                  arguments=[snapshot.uri, s.id]),
            data={"uri": snapshot.uri, "version": snapshot.version, "suggestion": s.id},
        ))
        actions.append(types.CodeAction(
            title=f"tracefix: dismiss “{short(s.title, 60)}”", kind=types.CodeActionKind.QuickFix,
            command=types.Command(title="Dismiss the suggestion", command="tracefix.rejectSuggestion",
                                  arguments=[snapshot.uri, s.id]),
        ))
    return actions


def source_actions(uri: str, snapshot: Snapshot | None) -> list[types.CodeAction]:
    actions = [types.CodeAction(
        title="tracefix: Debug with trace", kind=KIND_DEBUG,
        command=types.Command(title="Debug with trace", command="tracefix.debugWithTrace", arguments=[uri]))]
    if snapshot is not None and snapshot.report.suggestions:
        n = len(snapshot.report.suggestions)
        actions.append(types.CodeAction(
            title=f"tracefix: Show all suggestions ({n})", kind=KIND_SHOW_ALL,
            command=types.Command(title="Show all suggestions", command="tracefix.showAllSuggestions",
                                  arguments=[uri])))
    return actions


def wanted(only: list | None, kind: str) -> bool:
    """Does the client's ``context.only`` filter admit ``kind`` (prefix match, as the spec says)?"""
    if not only:
        return True
    for k in only:
        k = getattr(k, "value", k)
        if kind == k or kind.startswith(k + "."):
            return True
    return False
