"""Quick fixes for shown suggestions, plus the "Debug with trace" / "Show all suggestions" source actions.

A fix is offered only where its problem is: when the requested range touches the
fix's own edit or the diagnostic of the bug it fixes. Its title is short and says the
action first ("Use `>=` instead of `>` (fixes 1 test)"); the why is in the diagnostic,
the hover and the trace view. Only a fix the decide step rated "high" is preferred
(what an editor's auto-fix applies); dismissing is a separate, later entry.

Each quick fix carries a ``TextDocumentEdit`` pinned to the document version the fix
was computed for: a client refuses to apply it once the document has moved on, and
the server stops offering it at all (see ``Snapshot``). The server itself never
writes a user's file; applying is always the client's, on the user's choice.
"""
from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec

from tracefix.lsp import diagnostics as diag
from tracefix.lsp.positions import edit_to_client
from tracefix.lsp.state import Snapshot
from tracefix.model import Suggestion

KIND_DEBUG = "source.tracefix.debugWithTrace"
KIND_SHOW_ALL = "source.tracefix.showAllSuggestions"
KIND_DISMISS = "quickfix.tracefix.dismiss"
TITLE_MAX = 60
# Phrases after which a title only qualifies its action; cut there first when it is too long.
_QUALIFIERS = (" in the ", " in `", " so ", " so that ", " as ", " when ", " — ", "; ", ", ")


def offered(snapshot: Snapshot, show_all: bool) -> list[Suggestion]:
    """Suggestions that become quick fixes: the shown ones, or every validated one after "show all"."""
    out = [s for s in snapshot.report.suggestions if s.shown]
    if show_all:
        out += [s for s in snapshot.report.suggestions
                if not s.shown and s.validation is not None and not s.validation.broken and s.validation.fixed]
    return out


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters at a word, keeping `code spans` closed."""
    text = " ".join(text.strip().split("\n")[0].split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 2]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    cut = cut.rstrip(" ,;:")
    return cut + ("…`" if cut.count("`") % 2 else "…")


def fix_title(s: Suggestion, limit: int = TITLE_MAX) -> str:
    fixed = len(s.validation.fixed) if s.validation else 0
    tail = f" (fixes {fixed} test{'s' if fixed != 1 else ''})" if fixed else ""
    action = " ".join(s.title.strip().split("\n")[0].split())
    room = limit - len(tail)
    if len(action) > room:
        # Only outside `code spans`: a comma in `f(a, b)` qualifies nothing.
        cuts = [i for q in _QUALIFIERS for i in [action.find(q)] if 0 < i <= room and action[:i].count("`") % 2 == 0]
        if cuts:
            action = action[: max(cuts)]
    return shorten(action, room) + tail


def touches(a: types.Range, b: types.Range) -> bool:
    """Do two ranges share a line? A cursor anywhere on an edited or diagnosed line counts, as a
    lightbulb on that line suggests; a line away from both does not."""
    return a.start.line <= b.end.line and b.start.line <= a.end.line


def quick_fixes(snapshot: Snapshot, codec: PositionCodec, show_all: bool, requested: types.Range,
                context: list[types.Diagnostic]) -> list[types.CodeAction]:
    published = diag.build(snapshot, codec)
    fixes, dismissals = [], []
    for s in offered(snapshot, show_all):
        edits = [edit_to_client(codec, snapshot.lines, e) for e in s.edits]
        fixed = s.validation.fixed if s.validation else []
        mine = [d for d in published if set(fixed) & set((d.data or {}).get("tests", []))]
        if not any(touches(requested, r) for r in [e.range for e in edits] + [d.range for d in mine]):
            continue
        # Hand back the client's own copies where it sent them, so it links the fix to what it shows.
        linked = [d for d in context if d.source == diag.SOURCE and any(
            d.code == m.code and d.range == m.range for m in mine)] or mine
        title = fix_title(s)
        fixes.append(types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, diagnostics=linked or None,
            is_preferred=bool(s.shown and s.features.get("display") == "high"),
            edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=snapshot.uri,
                                                                            version=snapshot.version),
                edits=edits)]),
            # Runs after the client applied the edit: that is how an accept reaches the feedback store.
            command=types.Command(title="Record that the fix was accepted", command="tracefix.acceptSuggestion",
                                  arguments=[snapshot.uri, s.id]),
            data={"uri": snapshot.uri, "version": snapshot.version, "suggestion": s.id},
        ))
        dismissals.append(types.CodeAction(
            title=shorten(f"Dismiss “{shorten(title, 40)}”", TITLE_MAX), kind=KIND_DISMISS,
            command=types.Command(title="Dismiss the suggestion", command="tracefix.rejectSuggestion",
                                  arguments=[snapshot.uri, s.id]),
        ))
    return fixes + dismissals  # every fix before any dismissal: the secondary entries come last


def source_actions(uri: str, snapshot: Snapshot | None) -> list[types.CodeAction]:
    actions = [types.CodeAction(
        title="Tracefix: Debug with trace", kind=KIND_DEBUG,
        command=types.Command(title="Debug with trace", command="tracefix.debugWithTrace", arguments=[uri]))]
    if snapshot is not None and snapshot.report.suggestions:
        n = len(snapshot.report.suggestions)
        actions.append(types.CodeAction(
            title=f"Tracefix: Show all suggestions ({n})", kind=KIND_SHOW_ALL,
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
