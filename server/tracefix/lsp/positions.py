"""From the engine's coordinates to the client's.

The engine counts lines from 1 and characters as Python code points; LSP counts lines
from 0 and characters in the encoding negotiated at initialize (UTF-16 by default).
"""
from __future__ import annotations

from lsprotocol import types
from pygls.workspace import PositionCodec


def line_range(codec: PositionCodec, lines: list[str], line1: int, end_line1: int | None = None) -> types.Range:
    """The text of lines ``line1..end_line1`` (1-based), leading indentation excluded."""
    last = len(lines) - 1
    start = min(max(line1 - 1, 0), last)
    end = min(max((end_line1 or line1) - 1, start), last)
    first_text = lines[start]
    indent = len(first_text) - len(first_text.lstrip())
    return types.Range(
        start=to_client(codec, lines, start, indent),
        end=to_client(codec, lines, end, len(lines[end].rstrip("\r\n"))),
    )


def to_client(codec: PositionCodec, lines: list[str], line0: int, char: int) -> types.Position:
    return codec.position_to_client_units(lines, types.Position(line=line0, character=char))


def edit_to_client(codec: PositionCodec, lines: list[str], edit: dict) -> types.TextEdit:
    start, end = edit["range"]["start"], edit["range"]["end"]
    return types.TextEdit(
        range=types.Range(start=to_client(codec, lines, start["line"], start["character"]),
                          end=to_client(codec, lines, end["line"], end["character"])),
        new_text=edit["newText"],
    )
