"""Evaluate small expressions over *traced values* to predict what a mutation would change.

The values come from reprs the probe recorded (turned back into data with
``ast.literal_eval``, so nothing of the user's runs here), and only pure operations on
plain data are allowed: arithmetic, comparisons, boolean logic, indexing, slicing and a few
builtins. Anything else is "unknown". This never decides whether a fix is right — the real
re-run does — it only orders candidates so the likely ones are validated first.
"""
from __future__ import annotations

import ast
import operator
from typing import Any

MAX_SIZE = 10_000


class Unknown(Exception):
    pass


def literal(text: str | None) -> Any:
    if text is None:
        raise Unknown()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise Unknown() from None


def env_from(reprs: dict[str, str]) -> dict[str, Any]:
    env = {}
    for name, text in reprs.items():
        try:
            env[name] = literal(text)
        except Unknown:
            pass
    return env


_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
        ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_FUNCS = {"len": len, "abs": abs, "min": min, "max": max, "sum": sum, "sorted": sorted, "int": int,
          "float": float, "str": str, "bool": bool, "list": list, "tuple": tuple, "set": set, "round": round,
          "range": lambda *a: _small_range(*a)}


def _small_range(*args: int) -> list[int]:
    r = range(*args)
    if len(r) > MAX_SIZE:
        raise Unknown()
    return list(r)


def _sized(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, set, dict, bytes)) and len(value) > MAX_SIZE:
        raise Unknown()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10 ** 30:
        raise Unknown()
    return value


def evaluate(node: ast.AST, env: dict[str, Any]) -> Any:
    try:
        return _sized(_eval(node, env))
    except Unknown:
        raise
    except Exception:  # ZeroDivisionError, TypeError, ...: the mutation would raise here
        raise Unknown() from None


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        raise Unknown()
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        left, right = _eval(node.left, env), _eval(node.right, env)
        if isinstance(node.op, (ast.Mult, ast.Pow)):
            for a, b in ((left, right), (right, left)):
                if isinstance(a, (str, list, tuple)) and isinstance(b, int) and len(a) * b > MAX_SIZE:
                    raise Unknown()
            if isinstance(node.op, ast.Pow) and isinstance(right, int) and abs(right) > 64:
                raise Unknown()
        return _sized(_BIN[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not v
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return +v
        raise Unknown()
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            v = True
            for value in node.values:
                v = _eval(value, env)
                if not v:
                    return v
            return v
        v = False
        for value in node.values:
            v = _eval(value, env)
            if v:
                return v
        return v
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, env)
            if not _CMP[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body, env) if _eval(node.test, env) else _eval(node.orelse, env)
    if isinstance(node, ast.Subscript):
        value = _eval(node.value, env)
        if isinstance(node.slice, ast.Slice):
            parts = [None if p is None else _eval(p, env) for p in (node.slice.lower, node.slice.upper, node.slice.step)]
            return value[slice(*parts)]
        return value[_eval(node.slice, env)]
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_eval(e, env) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS \
            and not node.keywords and node.func.id not in env:
        args = [_eval(a, env) for a in node.args]
        return _FUNCS[node.func.id](*args)
    raise Unknown()
