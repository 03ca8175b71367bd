"""Exact source positions for ``ast`` nodes and the candidate edit they produce.

``ast`` columns count UTF-8 bytes; edits here use character offsets into the document
so that a candidate replaces exactly the characters it means to and keeps everything
else (comments, spacing, quotes) byte for byte.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field


@dataclass
class Candidate:
    start: int  # character offsets into the original text
    end: int
    replacement: str
    operator: str  # comparison, arithmetic, off_by_one, ...
    line: int  # 1-based line of the edit
    old: str  # the snippet replaced, for titles and explanations
    new: str
    title: str
    prior: float  # how often this kind of edit fixes real bugs, roughly
    # Expression-level edits carry both expressions so traced values can predict their effect.
    old_expr: ast.AST | None = None
    new_expr_src: str | None = None
    block: str = ""
    block_rank: int = 99
    score: float = 0.0
    evidence: str = ""  # what the trace predicted about this edit, in words
    new_text: str = ""
    tags: set[str] = field(default_factory=set)
    order: int = 0  # 1-based position in the validation order
    parts: list["Candidate"] = field(default_factory=list)  # the single edits of a combined candidate

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end:]


class Source:
    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col: int) -> int:
        """Character offset of an ``ast`` (line, UTF-8 byte column) position."""
        if lineno - 1 >= len(self.lines):
            return len(self.text)
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset))

    def get(self, node: ast.AST) -> str:
        a, b = self.span(node)
        return self.text[a:b]

    def line_start(self, lineno: int) -> int:
        return self.starts[lineno - 1]

    def indent_of(self, lineno: int) -> str:
        line = self.lines[lineno - 1]
        return line[: len(line) - len(line.lstrip())]

    def find_token(self, a: int, b: int, pattern: str) -> tuple[int, int] | None:
        """Span of the operator ``pattern`` (regex) in text[a:b], skipping comments."""
        gap = self.text[a:b]
        gap_code = re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), gap)
        m = re.search(pattern, gap_code)
        if not m:
            return None
        return a + m.start(), a + m.end()

    def between(self, left: ast.AST, right: ast.AST, pattern: str) -> tuple[int, int] | None:
        return self.find_token(self.span(left)[1], self.span(right)[0], pattern)


def snippet(text: str, limit: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
