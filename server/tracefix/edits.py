"""Differences between two versions of a document: a unified diff for people and
minimal LSP ``TextEdit``s for editors.

LSP positions are 0-based and, by default, count characters in UTF-16 code units,
so a line holding an emoji before the edit still lands in the right column.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, NamedTuple


def unified_diff(old: str, new: str, path: str = "file.py", context: int = 2) -> str:
    """A ``git diff``-style unified diff from ``old`` to ``new`` ("" when equal)."""
    if old == new:
        return ""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}", n=context)
    out = []
    for line in lines:
        # A last line without a newline would glue itself onto the next hunk line.
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _position(text: str, offset: int, line_starts: list[int]) -> dict[str, int]:
    """0-based LSP position of a character offset (UTF-16 columns)."""
    lo, hi = 0, len(line_starts) - 1
    while lo < hi:  # last line start <= offset
        mid = (lo + hi + 1) // 2
        if line_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return {"line": lo, "character": _utf16_len(text[line_starts[lo]:offset])}


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def text_edits(old: str, new: str) -> list[dict[str, Any]]:
    """Minimal non-overlapping LSP TextEdits that turn ``old`` into ``new``.

    Lines are matched first (so an edit never spans unrelated lines), then each
    changed region is trimmed to the characters that really differ.
    """
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_off = [0]
    for line in old_lines:
        old_off.append(old_off[-1] + len(line))
    new_off = [0]
    for line in new_lines:
        new_off.append(new_off[-1] + len(line))
    starts = _line_starts(old)
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a0, a1 = old_off[i1], old_off[i2]
        b0, b1 = new_off[j1], new_off[j2]
        # Trim the common prefix and suffix of the region down to the real change.
        while a0 < a1 and b0 < b1 and old[a0] == new[b0]:
            a0 += 1
            b0 += 1
        while a1 > a0 and b1 > b0 and old[a1 - 1] == new[b1 - 1]:
            a1 -= 1
            b1 -= 1
        edits.append({"range": {"start": _position(old, a0, starts), "end": _position(old, a1, starts)},
                      "newText": new[b0:b1]})
    return edits


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (as an editor would); used to check ``text_edits``."""
    starts = _line_starts(text)

    def offset(pos: dict[str, int]) -> int:
        line = pos["line"]
        if line >= len(starts):
            return len(text)
        base = starts[line]
        end = starts[line + 1] if line + 1 < len(starts) else len(text)
        units = 0
        i = base
        while i < end and units < pos["character"]:
            units += _utf16_len(text[i])
            i += 1
        return i

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


# Python-like tokens: names and numbers, string literals, two-character operators, then single symbols.
_TOKEN = re.compile(r"""\w+|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|[=!<>]=|//|\*\*|->|:=|<<|>>|[^\w\s]""")


class EditSize(NamedTuple):
    """How big a change is, on one scale for every suggestion origin (template, combined, LLM):
    the decide model and the repair ranking read these, so two origins must never measure differently."""
    lines: int  # lines replaced, inserted or deleted; a replaced line counts once
    tokens: int  # tokens replaced, inserted or deleted within those lines
    chars: int  # characters removed plus inserted there once the unchanged ends are trimmed (`>` → `>=` is 1)


def edit_size(old: str, new: str) -> EditSize:
    """The size of the change from ``old`` to ``new`` (0, 0, 0 when equal)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    head = 0  # unchanged lines at both ends are skipped first: the matcher then sees only the change
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a, b = a[head:len(a) - tail], b[head:len(b) - tail]
    lines = tokens = chars = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        lines += max(i2 - i1, j2 - j1)
        x, y = "".join(a[i1:i2]), "".join(b[j1:j2])
        tx, ty = _TOKEN.findall(x), _TOKEN.findall(y)
        tokens += sum(max(k2 - k1, l2 - l1) for op, k1, k2, l1, l2
                      in difflib.SequenceMatcher(None, tx, ty, autojunk=False).get_opcodes() if op != "equal")
        chars += _trimmed_chars(x, y)
    return EditSize(lines, tokens, chars)


def _trimmed_chars(x: str, y: str) -> int:
    i = 0
    while i < min(len(x), len(y)) and x[i] == y[i]:
        i += 1
    j = 0
    while j < min(len(x), len(y)) - i and x[-1 - j] == y[-1 - j]:
        j += 1
    return len(x) - i - j + len(y) - i - j
