"""Read what a model wrote, assuming nothing: verdict JSON and explain-then-fix answers.

Small models wrap JSON in prose, use single quotes, leave trailing commas, fence code
with or without a language, or forget the fence. Everything here returns ``None`` / an
empty result plus a reason instead of raising.
"""
from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)


# --- block verdicts ---------------------------------------------------------------------------
def _json_candidates(text: str) -> list[str]:
    out = [body for lang, body in _FENCE.findall(text) if lang.lower() in ("", "json", "javascript", "js")]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        out.append(text[start:end + 1])
    start, end = text.find("["), text.rfind("]")
    if 0 <= start < end:
        out.append(text[start:end + 1])
    return out


def _loads(raw: str):
    try:
        return json.loads(raw)
    except ValueError:
        pass
    fixed = re.sub(r",\s*([}\]])", r"\1", raw)  # trailing commas
    try:
        return json.loads(fixed)
    except ValueError:
        pass
    try:  # single quotes, True/False: a Python literal is close enough
        return ast.literal_eval(fixed.replace("true", "True").replace("false", "False").replace("null", "None"))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _resolve(name: str, block_ids: list[str]) -> str | None:
    name = str(name).strip().strip("[]`'\" ")
    if name in block_ids:
        return name
    short = name.split(":")[-1].replace("block", "").strip()
    if short.isdigit():
        short = f"B{short}"
    matches = [b for b in block_ids if b.split(":")[-1].lower() == short.lower()]
    return matches[0] if len(matches) == 1 else None


def _verdict_word(value) -> str | None:
    word = str(value).strip().lower()
    if isinstance(value, bool):
        return "correct" if value else "incorrect"
    if word.startswith(("incorrect", "wrong", "buggy", "false", "no")):
        return "incorrect"
    if word.startswith(("correct", "right", "ok", "true", "yes")):
        return "correct"
    return None


def parse_verdicts(text: str, block_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Block id → (verdict, explanation) for every block the answer judged recognisably."""
    out: dict[str, tuple[str, str]] = {}
    for raw in _json_candidates(text):
        data = _loads(raw)
        if isinstance(data, dict):
            items = data.get("verdicts") or data.get("blocks") or data.get("results")
            if items is None:  # {"gcd:B1": {"verdict": ...}} or {"gcd:B1": "correct"}
                items = [dict(v, block=k) if isinstance(v, dict) else {"block": k, "verdict": v}
                         for k, v in data.items()]
            data = items
        if not isinstance(data, list):
            continue
        for item in data:
            if not isinstance(item, dict):
                continue
            bid = _resolve(item.get("block") or item.get("id") or item.get("block_id") or "", block_ids)
            verdict = _verdict_word(item.get("verdict", item.get("correct", "")))
            if bid and verdict:
                why = " ".join(str(item.get("explanation") or item.get("reason") or "").split())
                out[bid] = (verdict, why[:300])
        if out:
            return out
    # Last resort: lines such as "gcd:B2: incorrect - b is never updated".
    for line in text.splitlines():
        m = re.match(r"\W*(?:block\s*)?([\w.<>]*:?B?\d+)\W+(correct|incorrect|wrong)\b\W*(.*)", line.strip(), re.I)
        if m:
            bid, verdict = _resolve(m.group(1), block_ids), _verdict_word(m.group(2))
            if bid and verdict:
                out[bid] = (verdict, m.group(3).strip()[:300])
    return out


# --- explain-then-fix -------------------------------------------------------------------------
@dataclass
class Fix:
    explanation: str
    code: str  # the function's source (dedented), from its `def` line, decorators dropped
    node: ast.FunctionDef | ast.AsyncFunctionDef


def find_function(tree: ast.AST, name: str):
    """The function called ``name`` ("f" or "Class.method"), searched top-level first."""
    parts = name.split(".")
    scopes = [tree]
    for part in parts[:-1]:
        scopes = [n for s in scopes for n in getattr(s, "body", []) if isinstance(n, ast.ClassDef) and n.name == part]
        if not scopes:  # the model may answer with the bare method
            scopes = [tree]
            break
    for scope in scopes:
        for node in getattr(scope, "body", []):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == parts[-1]:
                return node
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == parts[-1]:
            return node
    return None


def _parse_prefix(code: str) -> ast.Module | None:
    """Parse ``code``, dropping trailing lines (prose after an unfenced function) until it parses."""
    lines = code.splitlines()
    for end in range(len(lines), 0, -1):
        try:
            return ast.parse("\n".join(lines[:end]))
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
    return None


def parse_fix(text: str, name: str) -> tuple[Fix | None, str]:
    """(fix, "") or (None, why the answer is unusable)."""
    blocks = [(m.start(), body) for m in _FENCE.finditer(text) for lang, body in [m.groups()]
              if lang.lower() in ("", "python", "py", "python3")]
    short = name.split(".")[-1]
    defs = re.compile(rf"^\s*(async\s+)?def\s+{re.escape(short)}\s*\(", re.M)
    chosen = [(pos, body) for pos, body in blocks if defs.search(body)]
    fenced = bool(chosen)
    if not chosen:
        m = re.search(r"^[ \t]*(async\s+)?def\s+\w+\s*\(", text, re.M)
        if m is None:
            return None, "the answer contained no code"
        chosen = [(m.start(), text[m.start():])]
        explanation_end = m.start()
    else:
        explanation_end = chosen[-1][0]
    pos, code = chosen[-1]  # the last complete version is the model's final word
    code = textwrap.dedent(code.replace("\t", "    "))
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
        tree = None if fenced else _parse_prefix(code)
        if tree is None:
            return None, f"the proposed code does not parse ({type(e).__name__}: {getattr(e, 'msg', e)})"
    node = find_function(tree, name)
    if node is None:
        return None, f"the answer did not contain a function named {short}"
    lines = code.splitlines()
    src = "\n".join(lines[node.lineno - 1:node.end_lineno])
    src = textwrap.dedent(src)
    explanation = _explanation(text[:explanation_end])
    return Fix(explanation=explanation, code=src, node=node), ""


def _explanation(prose: str) -> str:
    prose = re.sub(r"```.*?```", " ", prose, flags=re.S)
    prose = re.sub(r"^\s*(#+\s*)?(explanation|fix|fixed function|answer)\s*:?\s*$", " ", prose, flags=re.I | re.M)
    prose = re.sub(r"^\s*(explanation|bug)\s*:\s*", "", prose.strip(), flags=re.I)
    return " ".join(prose.split())[:600]


def signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """What callers depend on: name, async-ness, parameter kinds, names and defaults."""
    a = node.args
    parts = [type(node).__name__, node.name,
             "/".join(x.arg for x in a.posonlyargs), ",".join(x.arg for x in a.args),
             a.vararg.arg if a.vararg else "", ",".join(x.arg for x in a.kwonlyargs),
             a.kwarg.arg if a.kwarg else "",
             "|".join(ast.unparse(d) for d in a.defaults),
             "|".join(ast.unparse(d) if d is not None else "" for d in a.kw_defaults)]
    return ";".join(parts)


def normalized(node: ast.AST) -> str:
    """Two samples agree when their functions are the same code, comments and layout aside."""
    node = ast.parse(ast.unparse(node))
    for n in ast.walk(node):  # docstrings do not change behaviour
        body = getattr(n, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            n.body = body[1:] or [ast.Pass()]
    return ast.dump(node, annotate_fields=False)
