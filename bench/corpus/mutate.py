"""Bug injection with Python `ast` positions: each mutation is a text edit on the original source.

Edits replace only the span an operator or expression occupies, so the rest of the file keeps
its formatting and line numbers (except `base_case`, which deletes whole lines). Operators, by
category (the names recorded in meta.json):

  cmp            comparison operator (<→<=, ==→!=, in→not in, ...)
  arith          arithmetic operator (+→-, *→+, //→/, ...), also in augmented assignment
  off_by_one     integer constant ±1, or an index / range bound expression ±1
  slice          a slice bound ±1
  swap           swapped call arguments or operands of a non-commutative operator
  wrong_var      a local name replaced by another local of the same function
  bool           and↔or, a dropped `not`, a negated condition
  return         wrong return value (True↔False, another local)
  acc_init       wrong accumulator initialisation (0↔1, True↔False) for a name updated in a loop
  missing_return the final `return expr` loses its `return`
  base_case      an early-return `if` (base case / guard) deleted
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    operator: str
    line: int  # 1-based, first line of the edited span in the original text
    col: int  # character (not byte) offsets
    end_line: int
    end_col: int
    new: str
    description: str

    @property
    def deletes_lines(self) -> bool:
        return self.operator == "base_case"


_CMP_SWAPS = {ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt], ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt],
              ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.In: [ast.NotIn], ast.NotIn: [ast.In],
              ast.Is: [ast.IsNot], ast.IsNot: [ast.Is]}
_CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
             ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
_ARITH_SWAPS = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Add, ast.FloorDiv],
                ast.FloorDiv: [ast.Div, ast.Mod], ast.Div: [ast.FloorDiv], ast.Mod: [ast.FloorDiv],
                ast.Pow: [ast.Mult]}
_ARITH_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Div: "/", ast.Mod: "%",
               ast.Pow: "**"}
_NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
# Expressions that can take "± 1" without parentheses.
_ATOMIC = (ast.Name, ast.Call, ast.Subscript, ast.Attribute, ast.Constant, ast.BinOp)


class _Source:
    """Maps ast (line, byte col) positions to character offsets of the text."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines(keepends=True)

    def char_col(self, line: int, byte_col: int) -> int:
        return len(self.lines[line - 1].encode()[:byte_col].decode(errors="replace"))

    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        return (node.lineno, self.char_col(node.lineno, node.col_offset),
                node.end_lineno, self.char_col(node.end_lineno, node.end_col_offset))

    def segment(self, line: int, col: int, end_line: int, end_col: int) -> str:
        if line == end_line:
            return self.lines[line - 1][col:end_col]
        parts = [self.lines[line - 1][col:]] + self.lines[line:end_line - 1] + [self.lines[end_line - 1][:end_col]]
        return "".join(parts)

    def text_of(self, node: ast.AST) -> str:
        return self.segment(*self.span(node))


def apply(text: str, mutations: list[Mutation]) -> str:
    """Apply non-overlapping mutations (any order) to ``text``."""
    lines = text.splitlines(keepends=True)
    for m in sorted(mutations, key=lambda m: (m.line, m.col), reverse=True):
        head = "".join(lines[:m.line - 1]) + lines[m.line - 1][:m.col]
        tail = lines[m.end_line - 1][m.end_col:] + "".join(lines[m.end_line:])
        lines = (head + m.new + tail).splitlines(keepends=True)
    return "".join(lines)


def ground_truth_lines(text: str, mutations: list[Mutation]) -> list[int]:
    """Lines of the *buggy* text a fix has to touch: the edited lines, or, for a deleted
    statement, the statement now standing where it was (or the one before it)."""
    out: set[int] = set()
    for m in mutations:
        shift = sum(-(d.end_line - d.line + 1) for d in mutations if d.deletes_lines and d.end_line < m.line)
        if m.deletes_lines:
            buggy_lines = apply(text, mutations).splitlines()
            at = m.line + shift
            target = at if at <= len(buggy_lines) and buggy_lines[at - 1].strip() else at - 1
            out.add(max(1, target))
        else:
            out.update(range(m.line + shift, m.end_line + shift + 1))
    return sorted(out)


def _op_between(src: _Source, left: ast.AST, right: ast.AST, symbol: str) -> tuple[int, int, int] | None:
    """(line, col, end_col) of ``symbol`` in the gap between two nodes on one line."""
    if left.end_lineno != right.lineno:
        return None
    line = left.end_lineno
    start = src.char_col(line, left.end_col_offset)
    end = src.char_col(line, right.col_offset)
    gap = src.lines[line - 1][start:end]
    pattern = r"(?<![<>=!*/])" + re.escape(symbol) + r"(?![<>=*/])"
    if symbol.isalpha() or " " in symbol:
        pattern = r"\b" + symbol.replace(" ", r"\s+") + r"\b"
    found = [m for m in re.finditer(pattern, gap)]
    if len(found) != 1:
        return None
    return line, start + found[0].start(), start + found[0].end()


def _locals_of(fn: ast.FunctionDef) -> dict[str, int]:
    """Local name → line of its first binding (parameters: the def line)."""
    names = {a.arg: fn.lineno for a in fn.args.args + fn.args.kwonlyargs}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names[node.id] = min(names.get(node.id, node.lineno), node.lineno)
    return names


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def _loop_updated(fn: ast.FunctionDef) -> set[str]:
    """Names changed inside a loop: augmented assignment, or `x = x ...`, or x.append(...)."""
    out: set[str] = set()
    for loop in (n for n in ast.walk(fn) if isinstance(n, (ast.For, ast.While))):
        for node in ast.walk(loop):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                out.add(node.target.id)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)):
                    out.add(name)
    return out


def _plus_minus(src: _Source, node: ast.AST, operator: str, what: str) -> list[Mutation]:
    line, col, end_line, end_col = src.span(node)
    if line != end_line:
        return []
    text = src.text_of(node)
    base = text if isinstance(node, _ATOMIC) else f"({text})"
    out = []
    for delta in ("+ 1", "- 1"):
        out.append(Mutation(operator, line, col, end_line, end_col, f"{base} {delta}",
                            f"{what} `{text}` became `{base} {delta}`"))
    return out


def mutations(text: str, first_line: int = 1) -> list[Mutation]:
    """Every mutation this module knows for functions' code at or after ``first_line``."""
    tree = ast.parse(text)
    src = _Source(text)
    parents = _parents(tree)
    found: list[Mutation] = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for fn in functions:
        body_nodes = [n for stmt in fn.body for n in ast.walk(stmt)
                      if hasattr(n, "lineno") and n.lineno >= first_line]
        body_nodes = [n for n in body_nodes if _innermost_function(n, parents) is fn]
        local_names = _locals_of(fn)
        found += _function_mutations(src, fn, body_nodes, local_names, parents, first_line)
    unique: dict[tuple, Mutation] = {}
    for m in found:
        unique.setdefault((m.line, m.col, m.end_line, m.end_col, m.new), m)
    return [m for m in unique.values() if _compiles(apply(text, [m]))]


def _innermost_function(node: ast.AST, parents: dict) -> ast.AST | None:
    cur = parents.get(node)
    while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.Lambda)):
        cur = parents.get(cur)
    return cur


def _compiles(text: str) -> bool:
    try:
        compile(text, "<mutant>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


def _function_mutations(src, fn, nodes, local_names, parents, first_line) -> list[Mutation]:
    out: list[Mutation] = []
    updated = _loop_updated(fn)
    docstring = fn.body[0] if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(
        getattr(fn.body[0], "value", None), ast.Constant) else None
    for node in nodes:
        if docstring is not None and node is docstring.value:
            continue
        if isinstance(node, ast.Compare):
            operands = [node.left] + node.comparators
            for i, op in enumerate(node.ops):
                pos = _op_between(src, operands[i], operands[i + 1], _CMP_TEXT[type(op)])
                for new_op in _CMP_SWAPS[type(op)] if pos else []:
                    line, col, end_col = pos
                    out.append(Mutation("cmp", line, col, line, end_col, _CMP_TEXT[new_op],
                                        f"`{_CMP_TEXT[type(op)]}` became `{_CMP_TEXT[new_op]}`"))
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH_SWAPS:
            pos = _op_between(src, node.left, node.right, _ARITH_TEXT[type(node.op)])
            for new_op in _ARITH_SWAPS[type(node.op)] if pos else []:
                line, col, end_col = pos
                out.append(Mutation("arith", line, col, line, end_col, _ARITH_TEXT[new_op],
                                    f"`{_ARITH_TEXT[type(node.op)]}` became `{_ARITH_TEXT[new_op]}`"))
            if isinstance(node.op, _NON_COMMUTATIVE):
                out += _swap(src, node.left, node.right, "operands")
        elif isinstance(node, ast.AugAssign) and type(node.op) in _ARITH_SWAPS:
            sym = _ARITH_TEXT[type(node.op)] + "="
            pos = _op_between(src, node.target, node.value, sym)
            for new_op in _ARITH_SWAPS[type(node.op)] if pos else []:
                line, col, end_col = pos
                out.append(Mutation("arith", line, col, line, end_col, _ARITH_TEXT[new_op] + "=",
                                    f"`{sym}` became `{_ARITH_TEXT[new_op]}=`"))
        elif isinstance(node, ast.BoolOp):
            sym = "and" if isinstance(node.op, ast.And) else "or"
            other = "or" if sym == "and" else "and"
            for left, right in zip(node.values, node.values[1:]):
                pos = _op_between(src, left, right, sym)
                if pos:
                    line, col, end_col = pos
                    out.append(Mutation("bool", line, col, line, end_col, other, f"`{sym}` became `{other}`"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            line, col, _, _ = src.span(node)
            o_line, o_col, _, _ = src.span(node.operand)
            if line == o_line:
                out.append(Mutation("bool", line, col, line, o_col, "", "a `not` was dropped"))
        elif isinstance(node, (ast.If, ast.While)) and node.test.lineno == node.test.end_lineno:
            line, col, end_line, end_col = src.span(node.test)
            text = src.text_of(node.test)
            out.append(Mutation("bool", line, col, end_line, end_col, f"not ({text})",
                                f"the condition `{text}` was negated"))
        elif isinstance(node, ast.Call) and len(node.args) >= 2 and not any(
                isinstance(a, ast.Starred) for a in node.args[:2]):
            out += _swap(src, node.args[0], node.args[1], "arguments")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            for arg in node.args:
                if not isinstance(arg, ast.Constant):
                    out += _plus_minus(src, arg, "off_by_one", "range bound")
        if isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                for bound in (node.slice.lower, node.slice.upper):
                    if bound is not None and not isinstance(bound, ast.Constant):
                        out += _plus_minus(src, bound, "slice", "slice bound")
            elif isinstance(node.slice, (ast.Name, ast.BinOp)):
                out += _plus_minus(src, node.slice, "off_by_one", "index")
        if isinstance(node, ast.Constant) and type(node.value) is int:
            out += _constant(src, node, parents, updated)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in local_names:
            parent = parents.get(node)
            if not (isinstance(parent, ast.Call) and parent.func is node):
                line, col, end_line, end_col = src.span(node)
                kind = "return" if isinstance(parent, ast.Return) else "wrong_var"
                # Only names already bound above: a typo'd name, not a guaranteed NameError.
                for other, bound_at in local_names.items():
                    if other != node.id and bound_at < node.lineno:
                        out.append(Mutation(kind, line, col, end_line, end_col, other,
                                            f"`{node.id}` became `{other}`"))
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool):
            line, col, end_line, end_col = src.span(node.value)
            flipped = str(not node.value.value)
            out.append(Mutation("return", line, col, end_line, end_col, flipped,
                                f"`return {node.value.value}` became `return {flipped}`"))
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in updated and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, bool):
            line, col, end_line, end_col = src.span(node.value)
            flipped = str(not node.value.value)
            out.append(Mutation("acc_init", line, col, end_line, end_col, flipped,
                                f"`{node.targets[0].id}` starts as {flipped} instead of {node.value.value}"))
    out += _statement_mutations(src, fn, first_line)
    return out


def _swap(src: _Source, a: ast.AST, b: ast.AST, what: str) -> list[Mutation]:
    la, ca, ela, eca = src.span(a)
    lb, cb, elb, ecb = src.span(b)
    if not (la == ela == lb == elb):
        return []
    ta, tb = src.text_of(a), src.text_of(b)
    if ta == tb:
        return []
    between = src.lines[la - 1][eca:cb]
    return [Mutation("swap", la, ca, la, ecb, tb + between + ta, f"{what} `{ta}` and `{tb}` were swapped")]


def _constant(src: _Source, node: ast.Constant, parents: dict, updated: set[str]) -> list[Mutation]:
    line, col, end_line, end_col = src.span(node)
    parent = parents.get(node)
    if isinstance(parent, ast.UnaryOp):  # -1: mutate the literal, keep the sign
        parent = parents.get(parent)
    value = node.value
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name) \
            and parent.targets[0].id in updated and value in (0, 1):
        name = parent.targets[0].id
        return [Mutation("acc_init", line, col, end_line, end_col, str(1 - value),
                         f"`{name}` starts at {1 - value} instead of {value}")]
    out = []
    for new in (value + 1, value - 1):
        if new >= 0:
            out.append(Mutation("off_by_one", line, col, end_line, end_col, str(new),
                                f"constant {value} became {new}"))
    return out


def _statement_mutations(src: _Source, fn: ast.FunctionDef, first_line: int) -> list[Mutation]:
    out: list[Mutation] = []
    last = fn.body[-1]
    if isinstance(last, ast.Return) and last.value is not None and last.lineno >= first_line \
            and not isinstance(last.value, ast.Constant):
        line, col, _, _ = src.span(last)
        v_line, v_col, _, _ = src.span(last.value)
        if line == v_line:
            out.append(Mutation("missing_return", line, col, line, v_col, "",
                                "the final `return` keyword was dropped"))
    for stmt in ast.walk(fn):
        for body in (getattr(stmt, "body", None), getattr(stmt, "orelse", None)):
            if not isinstance(body, list):
                continue
            for i, child in enumerate(body[:-1]):
                if isinstance(child, ast.If) and not child.orelse and isinstance(child.body[-1], ast.Return) \
                        and child.lineno >= first_line and not isinstance(stmt, (ast.For, ast.While)):
                    start = child.lineno
                    end = child.end_lineno
                    out.append(Mutation("base_case", start, 0, end + 1, 0, "",
                                        f"the early return `{src.lines[start - 1].strip()}` was deleted"))
    return out
