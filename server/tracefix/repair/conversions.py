"""Type conversions the trace shows are missing.

At a TypeError the message names the type that was there and the one wanted
(`can only concatenate str (not "int") to str`); the traced values say which operand holds
the wrong one, and only that operand is converted. Without an exception, a returned value of
the wrong type (`(1, 2)` where the test expected `[1, 2]`) is converted when the conversion
of the traced value gives exactly what the test expected.
"""
from __future__ import annotations

import ast
import re
from typing import Any, Iterator

from tracefix.repair.context import Context
from tracefix.repair.evaluate import Unknown, literal
from tracefix.repair.candidate import Candidate, snippet

# (type found, type wanted) → how to convert; `{}` is the expression.
CONVERT = {("int", "str"): "str({})", ("float", "str"): "str({})", ("str", "int"): "int({})",
           ("float", "int"): "int({})", ("str", "float"): "float({})", ("int", "float"): "float({})",
           ("str", "bytes"): "{}.encode()", ("bytes", "str"): "{}.decode()", ("tuple", "list"): "list({})",
           ("set", "list"): "sorted({})", ("list", "tuple"): "tuple({})", ("int", "iterable"): "range({})",
           ("map", "list"): "list({})", ("filter", "list"): "list({})", ("generator", "list"): "list({})",
           ("dict_keys", "list"): "list({})", ("dict_values", "list"): "list({})", ("list", "str"): "str({})"}
# Message patterns → (found, wanted) per group: a name is a group index, a literal is the type itself.
MESSAGES = [
    (r'can only concatenate (\w+) \(not "(\w+)"\) to \w+', (2, 1)),
    (r"can't multiply sequence by non-int of type '(\w+)'", (1, "int")),
    (r"indices must be integers(?: or slices)?, not (\w+)", (1, "int")),
    (r"'(\w+)' object cannot be interpreted as an integer", (1, "int")),
    (r"a bytes-like object is required, not '(\w+)'", (1, "bytes")),
    (r"must be (str|int|bytes|float), not (\w+)", (2, 1)),
    (r"'(\w+)' object is not iterable", (1, "iterable")),
    (r"'(\w+)' object is not subscriptable", (1, "list")),
]
MIXED = [r"unsupported operand type\(s\) for [^:]+: '(\w+)' and '(\w+)'",
         r"not supported between instances of '(\w+)' and '(\w+)'"]


def wanted_types(message: str) -> list[tuple[str, str]]:
    """(found, wanted) type-name pairs a TypeError message implies, most direct first."""
    for pattern, (found, wanted) in MESSAGES:
        m = re.search(pattern, message)
        if m:
            pick = lambda g: m.group(g) if isinstance(g, int) else g  # noqa: E731
            return [(pick(found), pick(wanted))]
    for pattern in MIXED:
        m = re.search(pattern, message)
        if m and m.group(1) != m.group(2):
            a, b = m.group(1), m.group(2)
            return [(a, b), (b, a)]
    return []


def at_type_error(ctx: Context, stmt: ast.stmt, exc: dict) -> Iterator[Candidate]:
    """Convert the operand whose traced type is the one the TypeError complained about."""
    if exc.get("type") != "TypeError":
        return
    pairs = wanted_types(exc.get("message") or "")
    failing, _ = ctx.envs(stmt.lineno)
    for rank, (found, wanted) in enumerate(pairs):
        template = CONVERT.get((found, wanted))
        if template is None:
            continue
        for node in _operands(stmt):
            if _traced_type(node, failing) != found:
                continue
            text = ctx.src.get(node)
            new = template.format(text)
            a, b = ctx.src.span(node)
            yield Candidate(a, b, new, "conversion", node.lineno, text, new,
                            f"Convert `{snippet(text, 25)}` with `{new.replace(text, '…')}`: it holds a {found} "
                            f"where a {wanted} is needed", 1.1 - 0.2 * rank, old_expr=node, new_expr_src=new)


def _operands(stmt: ast.stmt) -> Iterator[ast.Name]:
    """Variables the statement reads (not the names of functions it calls): what a trace can type."""
    called = {id(n.func) for n in ast.walk(stmt) if isinstance(n, ast.Call)}
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in called:
            yield node


def _traced_type(node: ast.Name, envs: list[dict[str, Any]]) -> str:
    """The type name a name held in the failing runs ('' unless every traced state agrees)."""
    kinds = {type(e[node.id]).__name__ for e in envs if node.id in e}
    return kinds.pop() if len(kinds) == 1 else ""


def return_conversion(ctx: Context, stmt: ast.stmt, block_id: str) -> Iterator[Candidate]:
    """`return x` whose traced value, converted, is exactly what the failing test expected."""
    if not (isinstance(stmt, ast.Return) and stmt.value is not None):
        return
    seen = set()
    for failure, _env in ctx.producer_envs(block_id):
        try:
            got, want = literal(failure.actual), literal(failure.expected)
        except Unknown:
            continue
        template = CONVERT.get((type(got).__name__, type(want).__name__))
        if template is None or template in seen or not _converts_to(got, want):
            continue
        seen.add(template)
        text = ctx.src.get(stmt.value)
        new = template.format(text)
        a, b = ctx.src.span(stmt.value)
        yield Candidate(a, b, new, "conversion", stmt.lineno, text, new,
                        f"Return `{snippet(new, 40)}`: the test expects a {type(want).__name__}", 1.0,
                        old_expr=stmt.value, new_expr_src=new)


def _converts_to(got: Any, want: Any) -> bool:
    for convert in (list, tuple, str, int, float, sorted):
        try:
            if convert(got) == want and type(convert(got)) is type(want):
                return True
        except (TypeError, ValueError):
            continue
    return False
