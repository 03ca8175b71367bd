"""Which names each block mentions: the locals the tracer renders at a visit of that block.

A visit used to render every local of its frame, and rendering is most of the tracing cost on
real suites (a loop over a large dict re-rendered the dict at every block it passed, whether the
block used it or not). What the stages after the run read of a visit are the names its own lines
mention: what the block reads and writes (explain, localize's data flow, the repair context), and
the function's arguments at the first visit of a call (the tracer renders that one in full).

Identifiers are taken from tree-sitter's parse, as ``segment`` does, so any syntax the user's
Python accepts works here. Every ``identifier`` node counts: attribute names and keyword names
are a few extra candidates, which only cost a lookup in the frame's locals.
"""
from __future__ import annotations

import tree_sitter
import tree_sitter_python

from tracefix.model import Segmentation

_LANGUAGE = tree_sitter.Language(tree_sitter_python.language())
_PARSER = tree_sitter.Parser(_LANGUAGE)
_IDENTIFIERS = tree_sitter.Query(_LANGUAGE, "(identifier) @name")


def names_by_block(text: str, seg: Segmentation) -> dict[str, list[str]]:
    """Block id → the sorted names mentioned on its lines (a line counts for its innermost block)."""
    line_block = seg.line_map()
    found: dict[str, set[str]] = {b.id: set() for b in seg.blocks}
    tree = _PARSER.parse(text.encode("utf-8"))
    for node in tree_sitter.QueryCursor(_IDENTIFIERS).captures(tree.root_node).get("name", []):
        block = line_block.get(node.start_point[0] + 1)
        if block is not None:
            found[block].add(node.text.decode("utf-8", "replace"))
    return {block: sorted(names) for block, names in found.items()}
