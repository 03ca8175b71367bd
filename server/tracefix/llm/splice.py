"""Put the model's version of one function into the document, and express it as minimal edits.

The model rewrites a whole function; the user should see only what changed. So the new
function replaces the old one's lines (decorators and indentation kept), and the two
documents are then compared by ``tracefix.edits`` into a unified diff and minimal LSP
``TextEdit``s, exactly as offline candidates are.
"""
from __future__ import annotations

import ast
import textwrap
from typing import Any

from tracefix import edits
from tracefix.llm.parse import find_function


def locate(text: str, name: str) -> tuple[int, int, str] | None:
    """(def line, end line, source dedented) of function ``name`` in ``text`` (1-based), or None."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    node = find_function(tree, name)
    if node is None:
        return None
    lines = text.splitlines()
    return node.lineno, node.end_lineno, textwrap.dedent("\n".join(lines[node.lineno - 1:node.end_lineno]))


def replace_function(text: str, name: str, new_src: str) -> str | None:
    where = locate(text, name)
    if where is None:
        return None
    start, end, _ = where
    lines = text.splitlines(keepends=True)
    def_line = lines[start - 1]
    indent = def_line[:len(def_line) - len(def_line.lstrip())]
    newline = "\r\n" if def_line.endswith("\r\n") else "\n"
    body = textwrap.indent(new_src.rstrip("\n"), indent, lambda l: l.strip() != "")
    tail = lines[end - 1]
    ending = newline if tail.endswith(("\n", "\r")) else ""
    return "".join(lines[:start - 1]) + body.replace("\n", newline) + ending + "".join(lines[end:])


def diff_and_edits(old: str, new: str, path: str) -> tuple[str, list[dict[str, Any]]]:
    """Unified diff for people, minimal LSP TextEdits for editors (shared with the offline repair)."""
    return edits.unified_diff(old, new, path), edits.text_edits(old, new)
