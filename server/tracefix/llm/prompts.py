"""What the model reads: the task, the code with block markers, the failing test and its trace.

The feedback level decides how much of the run the model sees (the bench ablation):
``none`` regenerate from the task alone, ``error`` + the failing test and its error,
``trace-lines`` + the traced values as a flat per-line log, ``trace-blocks`` (LDB) +
the same values block by block, with per-block verdicts asked first.
"""
from __future__ import annotations

import ast
import io
import os
import tokenize

from tracefix.model import Block, TestCase, TestResult, Visit

LEVELS = ("none", "error", "trace-lines", "trace-blocks")
KEEP = 5  # LDB: a long trace keeps the first and last 5 block visits
VALUE_CHARS = 80

SYSTEM = ("You are a careful Python debugger. You read code, a failing test and the values the code "
          "computed, find the one place that is wrong, and fix it with the smallest change. You never "
          "change a function's name or parameters.")


def _cut(value: str, limit: int = VALUE_CHARS) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[:limit - 3] + "..."


def task_description(func_src: str) -> str:
    """The docstring and the comments: what the author meant the code to do."""
    parts: list[str] = []
    try:
        tree = ast.parse(func_src)
        node = tree.body[0] if tree.body else None
        doc = ast.get_docstring(node) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        if doc:
            parts.append(doc.strip())
    except SyntaxError:
        pass
    try:
        for tok in tokenize.generate_tokens(io.StringIO(func_src).readline):
            if tok.type == tokenize.COMMENT:
                parts.append(tok.string.lstrip("#").strip())
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return "\n".join(p for p in parts if p) or "(no docstring or comments: infer the intent from the name, the code and the test)"


def marked_code(lines: list[str], first: int, blocks: list[Block]) -> str:
    """Source lines ``first``.. with a ``# [block id]`` comment above each block's first line."""
    starts: dict[int, list[Block]] = {}
    for b in blocks:
        starts.setdefault(b.start_line, []).append(b)
    out = []
    for offset, line in enumerate(lines):
        n = first + offset
        for b in sorted(starts.get(n, []), key=lambda b: b.end_line - b.start_line, reverse=True):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}# [{b.id}] lines {b.start_line}-{b.end_line}")
        out.append(line)
    return "\n".join(out)


def test_source(case: TestCase | None, path: str, text: str, limit: int = 40) -> str:
    """The failing test's own code, when it is a function we can find."""
    if case is None or not case.line or case.kind != "pytest":
        return ""
    try:
        # Discovery names test files relative to the document's folder.
        file = os.path.join(os.path.dirname(os.path.abspath(path)), case.file) if case.file else path
        if os.path.abspath(file) != os.path.abspath(path):
            with open(file, encoding="utf-8", errors="replace") as f:
                src = f.read()
        else:
            src = text
        tree = ast.parse(src)
    except (OSError, SyntaxError, ValueError):
        return ""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            if first <= case.line <= node.end_lineno:
                lines = src.splitlines()[first - 1:node.end_lineno]
                return "\n".join(lines[:limit] + (["    ..."] if len(lines) > limit else []))
    return ""


def failure_text(result: TestResult) -> str:
    lines = [f"{result.id}: {result.outcome}"]
    if result.message:
        lines.append(f"message: {_cut(result.message, 400)}")
    if result.comparison:
        c = result.comparison
        lines.append(f"compared: {_cut(c.get('left', ''))} {c.get('op', '==')} {_cut(c.get('right', ''))}")
    if result.exception:
        e = result.exception
        where = f" at line {e['line']}" if e.get("line") else ""
        lines.append(f"exception: {e.get('type', '')}: {_cut(e.get('message', ''), 200)}{where}")
    return "\n".join(lines)


def _values(d: dict[str, str]) -> str:
    return ", ".join(f"{k}={_cut(v)}" for k, v in d.items()) or "(none)"


def _changes(v: Visit) -> str:
    changed = v.changes()
    return _values(changed) if changed else "(no change)"


def _sampled(entries: list[tuple[str, Visit]]) -> tuple[list[tuple[str, Visit]], list[tuple[str, Visit]], int]:
    if len(entries) <= 2 * KEEP:
        return entries, [], 0
    return entries[:KEEP], entries[-KEEP:], len(entries) - 2 * KEEP


def trace_blocks(entries: list[tuple[str, Visit]], blocks: dict[str, Block]) -> str:
    head, tail, cut = _sampled(entries)
    # Recursion: say which call a visit belongs to, numbered in order of appearance.
    calls = {c: n for n, c in enumerate(dict.fromkeys(v.call for _, v in entries), 1)}

    def render(bid: str, v: Visit) -> str:
        b = blocks.get(bid)
        where = f"lines {b.start_line}-{b.end_line}" if b else ""
        call = f", call {calls[v.call]}" if len(calls) > 1 else ""
        out = [f"[{bid}] {where} (visit {v.iteration + 1}{call})",
               f"  before: {_values(v.before)}", f"  after:  {_changes(v)}"]
        if v.returned is not None:
            out.append(f"  returned: {_cut(v.returned)}")
        if v.raised is not None:
            out.append(f"  raised: {_cut(v.raised, 200)}")
        return "\n".join(out)

    text = [render(b, v) for b, v in head]
    if cut:
        text.append(f"... {cut} block visits in the middle omitted (first {KEEP} and last {KEEP} shown) ...")
        text += [render(b, v) for b, v in tail]
    return "\n".join(text) or "(the test never reached this function)"


def trace_lines(entries: list[tuple[str, Visit]], blocks: dict[str, Block]) -> str:
    """The same values as a flat log, one line of state per executed line group, no block structure."""
    head, tail, cut = _sampled(entries)

    def render(bid: str, v: Visit) -> str:
        b = blocks.get(bid)
        line = f"line {b.end_line}" if b else "line ?"
        extra = f"; returned {_cut(v.returned)}" if v.returned is not None else ""
        extra += f"; raised {_cut(v.raised, 200)}" if v.raised is not None else ""
        return f"{line}: {_values(v.after)}{extra}"

    text = [render(b, v) for b, v in head]
    if cut:
        text.append(f"... {cut} steps omitted ...")
        text += [render(b, v) for b, v in tail]
    return "\n".join(text) or "(the test never reached this function)"


def context(task: str, code: str, level: str, test_src: str, failure: str, trace: str) -> str:
    parts = [f"## Task\n{task}", f"## Code\n```python\n{code}\n```"]
    if level == "none":
        parts.append("## Feedback\nThis function is buggy: some tests fail.")
        return "\n\n".join(parts)
    parts.append("## Failing test\n" + (f"```python\n{test_src}\n```\n" if test_src else "") + failure)
    if level == "trace-lines":
        parts.append(f"## Values during the failing test (line: variables after it ran)\n{trace}")
    elif level == "trace-blocks":
        parts.append("## Trace of the failing test, block by block (values before the block and what it "
                     f"changed)\n{trace}")
    return "\n\n".join(parts)


def verdict_prompt(ctx: str, block_ids: list[str]) -> str:
    return (f"{ctx}\n\n## Question\nFor each block in the trace ({', '.join(block_ids)}), decide whether it "
            "computes what the task intends, given the values it received. Reply with JSON only:\n"
            '{"verdicts": [{"block": "<block id>", "verdict": "correct" or "incorrect", '
            '"explanation": "<one sentence>"}]}')


def fix_prompt(ctx: str, name: str, verdicts: dict[str, tuple[str, str]], lessons: list[str]) -> str:
    parts = [ctx]
    wrong = [f"- [{b}] {why}" for b, (v, why) in verdicts.items() if v == "incorrect"]
    if wrong:
        parts.append("## Blocks judged incorrect in review\n" + "\n".join(wrong))
    if lessons:
        parts.append("## Mistakes to avoid (earlier attempts that did not work)\n" + "\n".join(lessons))
    parts.append(f"## Answer\nFirst explain in at most two sentences what is wrong and why, quoting only names "
                 "from the code and values from the trace or the test above (anything else is discarded). Then give the whole "
                 f"fixed function `{name.split('.')[-1]}` in one ```python code block. Keep its name and "
                 "parameters exactly as they are and change as little as possible.")
    return "\n\n".join(parts)
