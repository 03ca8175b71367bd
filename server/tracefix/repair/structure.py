"""Repairs that add or retarget a statement: an `except` that catches the wrong exception, a statement
one branch of an `if` has and its sibling lacks, and a guard for the None or empty value an exception
tripped on.
"""
from __future__ import annotations

import ast
import re
from typing import Iterator

from tracefix.repair.context import Context
from tracefix.repair.operators import _insert_before, _return_choices
from tracefix.repair.candidate import Candidate, snippet

COPYABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)


# ---------------------------------------------------------------- except clauses

def except_type(ctx: Context, stmt: ast.stmt, exc: dict) -> Iterator[Candidate]:
    """An exception escaped from a `try` whose handlers name other types: catch the one that happened."""
    kind = exc.get("type") or ""
    if not re.fullmatch(r"\w+", kind) or kind == "AssertionError":
        return
    for handler in _enclosing_handlers(ctx, stmt):
        old = ctx.src.get(handler.type)
        if kind in re.findall(r"\w+", old):
            continue
        yield Candidate(*ctx.src.span(handler.type), kind, "except_type", handler.lineno, old, kind,
                        f"Catch `{kind}` (what was raised) instead of `{snippet(old, 30)}`", 0.9)
        both = f"({old.strip('()')}, {kind})"
        yield Candidate(*ctx.src.span(handler.type), both, "except_type", handler.lineno, old, both,
                        f"Also catch `{kind}` in `except {snippet(old, 30)}`", 0.7)


def _enclosing_handlers(ctx: Context, stmt: ast.stmt) -> list[ast.ExceptHandler]:
    out = []
    node: ast.AST = stmt
    while node in ctx.parents:
        parent = ctx.parents[node]
        if isinstance(parent, ast.Try) and node in parent.body:
            out += [h for h in parent.handlers if h.type is not None]
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            break
        node = parent
    return out


# ---------------------------------------------------------------- sibling branches

def sibling_statement(ctx: Context, stmt: ast.stmt) -> Iterator[Candidate]:
    """A simple statement one branch of an `if`/`elif`/`else` chain has and another lacks, copied over
    at the same place relative to what both branches share."""
    if not isinstance(stmt, ast.If):
        return
    branches = _branches(stmt)
    for source in branches:
        for target in branches:
            if source is target:
                continue
            have = {_norm(ctx, s) for s in target}
            for i, s in enumerate(source):
                text = _norm(ctx, s)
                if not isinstance(s, COPYABLE) or text in have or (isinstance(s, ast.Expr)
                                                                   and isinstance(s.value, ast.Constant)):
                    continue  # a docstring-like constant is no statement worth copying
                title = (f"Add `{snippet(text, 40)}` to the branch at line {target[0].lineno}, "
                         f"as its sibling branch does")
                anchor, before = _anchor(ctx, source[:i], target)
                if before:
                    yield _insert_before(ctx, anchor, [text], "sibling_statement", 0.5, title)
                else:
                    yield _insert_after(ctx, anchor, text, "sibling_statement", 0.5, title)


def _branches(node: ast.If) -> list[list[ast.stmt]]:
    out = [node.body]
    rest = node.orelse
    while len(rest) == 1 and isinstance(rest[0], ast.If):
        out.append(rest[0].body)
        rest = rest[0].orelse
    if rest:
        out.append(rest)
    return out


def _norm(ctx: Context, s: ast.stmt) -> str:
    return " ".join(ctx.src.get(s).split())


def _anchor(ctx: Context, before: list[ast.stmt], target: list[ast.stmt]) -> tuple[ast.stmt, bool]:
    """Where in ``target`` the copy goes: (statement, True) to insert before it, (last, False) after it.
    Right after the last statement both branches share ahead of the copied one, else first; a
    trailing return/break stays last."""
    shared = {_norm(ctx, s) for s in before}
    after = 0
    for j, s in enumerate(target):
        if _norm(ctx, s) in shared:
            after = j + 1
    if after < len(target):
        return target[after], True
    last = target[-1]
    if isinstance(last, (ast.Return, ast.Break, ast.Continue, ast.Raise)):
        return last, True
    return last, False


def _insert_after(ctx: Context, stmt: ast.stmt, line: str, operator: str, prior: float, title: str) -> Candidate:
    text = ctx.src.indent_of(stmt.lineno) + line + "\n"
    end = stmt.end_lineno
    at = ctx.src.starts[end] if end < len(ctx.src.lines) else len(ctx.src.text)
    if not ctx.src.text[:at].endswith("\n"):
        text = "\n" + text
    return Candidate(at, at, text, operator, stmt.lineno, "", line, title, prior)


# ---------------------------------------------------------------- None and empty values

def none_guard(ctx: Context, stmt: ast.stmt, exc: dict) -> Iterator[Candidate]:
    """The statement tripped over a None (or an empty value): skip it for that value."""
    message = exc.get("message") or ""
    kind = exc.get("type") or ""
    failing, _ = ctx.envs(stmt.lineno)
    names = []
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in names:
            names.append(node.id)
    func = ctx.function_of(stmt)
    in_loop = _in_loop(ctx, stmt, func)
    if "NoneType" in message:
        tests = [f"{n} is None" for n in names if any(n in e and e[n] is None for e in failing)]
    elif kind in ("IndexError", "ValueError", "ZeroDivisionError", "KeyError", "StopIteration"):
        tests = [f"not {n}" for n in names if any(n in e and not e[n] and e[n] is not None
                                                   and not isinstance(e[n], bool) for e in failing)]
    else:
        return
    for cond in tests[:2]:
        if in_loop:
            yield _insert_before(ctx, stmt, [f"if {cond}:", "    continue"], "guard", 0.7,
                                 f"Skip to the next item when `{cond}`")
        for i, value in enumerate(_return_choices(ctx, func)[:3] if func is not None else []):
            yield _insert_before(ctx, stmt, [f"if {cond}:", f"    return {value}"], "guard", 0.65 - 0.1 * i,
                                 f"Return `{value}` when `{cond}`")


def _in_loop(ctx: Context, stmt: ast.stmt, func: ast.AST | None) -> bool:
    node: ast.AST = stmt
    while node in ctx.parents and node is not func:
        node = ctx.parents[node]
        if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
            return True
    return False
