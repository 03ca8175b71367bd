"""Does an explanation quote only what the run showed? (issue 16: faithfulness is checked, not hoped for)

An explanation may quote two kinds of things: *values* ("1.5", "'B'", "[1, 2, 3]") and *code*
(names, expressions). A value must occur in the evidence of the failing test — the reprs its
trace recorded, its id, message, comparison and exception — or in the document; so must a name
(the document before or after the edit, or that evidence). Counts that describe the re-run ("all 3 tests",
"2 of 3 failing tests", "line 8") are the tool's own measurements, not quotes, and are skipped.
The LLM's prose is checked with the same rules, so a model that invents a value is caught.
"""
from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable

# The tool's own counts and places, never quotes from the program.
_COUNTS = re.compile(r"\b(?:all|\d+)(?: of (?:the )?\d+)?(?: (?:failing|passing|other))? tests?\b"
                     r"|\blines? \d+(?:\s*[-–]\s*\d+)?\b|\b\d+ (?:more )?edits?\b|\bnone\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?(?![\w])")
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
# In prose, only words that look like code are names: calls (`f(`) and snake_case.
_CODEISH = re.compile(r"\b[A-Za-z_]\w*(?=\()|\b[A-Za-z][A-Za-z0-9]*_\w*\b")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_KNOWN = set(keyword.kwlist) | set(dir(builtins))


class Evidence:
    """What an explanation of one failing test may quote."""

    def __init__(self, values: Iterable[str], documents: Iterable[str]):
        docs = [d for d in documents if d]
        self._values = "\n".join(v for v in values if v)
        self._code = "\n".join(docs)
        self._squeezed = re.sub(r"\s+", "", self._code)
        # Names may also come from the failing test's own record (its id, a message naming a function).
        self._names = set(_IDENT.findall(self._code)) | set(_IDENT.findall(self._values))

    def has_name(self, name: str) -> bool:
        return name in self._names or name in _KNOWN

    def has_value(self, value: str) -> bool:
        value = value.strip()
        if value.endswith("…"):  # a shortened value: its beginning must be there
            value = value[:-1]
        if not value:
            return True
        hay = self._values + "\n" + self._code
        if _NUMBER.fullmatch(value):  # 2 is not in 12, 1.5 is not in 11.52
            return re.search(rf"(?<![\w.]){re.escape(value)}(?![\d])", hay) is not None
        return value in hay

    def has_code(self, span: str) -> bool:
        return re.sub(r"\s+", "", span) in self._squeezed


def unsupported(text: str, values: Iterable[str] | Evidence, documents: Iterable[str] = ()) -> list[str]:
    """The quotes in ``text`` that neither the failing test's evidence nor the document holds."""
    ev = values if isinstance(values, Evidence) else Evidence(values, documents)
    bad = [span for span in re.findall(r"`([^`]+)`", text) if not _span_ok(span, ev)]
    prose = _COUNTS.sub(" ", re.sub(r"`[^`]*`", " ", text))
    bad += [q for q in _QUOTED.findall(prose) if not ev.has_value(q)]
    prose = _QUOTED.sub(" ", prose)
    bad += [n for n in _NUMBER.findall(prose) if not ev.has_value(n)]
    bad += [n for n in _CODEISH.findall(prose) if not ev.has_name(n)]
    return bad


def _span_ok(span: str, ev: Evidence) -> bool:
    if ev.has_code(span) or ev.has_value(span):
        return True
    m = re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*=\s*(.+)", span)  # `name = value`
    if m:
        return all(ev.has_name(p) for p in m.group(1).split(".")) and ev.has_value(m.group(2))
    # Anything else (`letter(90)`): every name in the document, every literal in the evidence.
    rest = _QUOTED.sub(" ", span)
    return (all(ev.has_value(q) for q in _QUOTED.findall(span)) and all(ev.has_name(n) for n in _IDENT.findall(rest))
            and all(ev.has_value(n) for n in _NUMBER.findall(rest)))
