"""Mutation operators: small, plausible edits at one statement of a suspicious block.

Each operator yields ``Candidate``s that replace an exact character span, so the rest of
the document keeps its formatting. ``prior`` is a rough rate at which that kind of edit
fixes real single-edit bugs (comparison boundaries and off-by-one first, deletions last);
the search multiplies it by the block's suspiciousness and by what the trace predicts.
"""
from __future__ import annotations

import ast
from typing import Iterator

from tracefix.repair.context import Context
from tracefix.repair.candidate import Candidate, snippet

CMP_TOKENS = {ast.Lt: r"<(?!=)", ast.LtE: r"<=", ast.Gt: r">(?!=)", ast.GtE: r">=", ast.Eq: r"==",
              ast.NotEq: r"!=", ast.Is: r"\bis\b(?!\s+not\b)", ast.IsNot: r"\bis\s+not\b",
              ast.In: r"(?<!not )\bin\b", ast.NotIn: r"\bnot\s+in\b"}
CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
            ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
# operator → [(replacement, prior)]: boundary slips first, then direction, then negation.
CMP_SWAPS = {ast.Lt: [(ast.LtE, 1.0), (ast.Gt, 0.5), (ast.GtE, 0.35)],
             ast.LtE: [(ast.Lt, 1.0), (ast.GtE, 0.5), (ast.Gt, 0.35)],
             ast.Gt: [(ast.GtE, 1.0), (ast.Lt, 0.5), (ast.LtE, 0.35)],
             ast.GtE: [(ast.Gt, 1.0), (ast.LtE, 0.5), (ast.Lt, 0.35)],
             ast.Eq: [(ast.NotEq, 0.7), (ast.LtE, 0.3), (ast.GtE, 0.3)],
             ast.NotEq: [(ast.Eq, 0.7)],
             # `is` compares identity: right for None, wrong for numbers and strings (small ones are cached).
             ast.Is: [(ast.IsNot, 0.7), (ast.Eq, 0.6)], ast.IsNot: [(ast.Is, 0.7), (ast.NotEq, 0.6)],
             ast.In: [(ast.NotIn, 0.7)], ast.NotIn: [(ast.In, 0.7)]}
BIN_TOKENS = {ast.Add: r"\+", ast.Sub: r"-", ast.Mult: r"\*(?!\*)", ast.Div: r"/(?!/)", ast.FloorDiv: r"//",
              ast.Mod: r"%", ast.Pow: r"\*\*"}
BIN_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
            ast.Pow: "**"}
BIN_SWAPS = {ast.Add: [(ast.Sub, 0.6), (ast.Mult, 0.3)], ast.Sub: [(ast.Add, 0.6)],
             ast.Mult: [(ast.Add, 0.35), (ast.FloorDiv, 0.3), (ast.Pow, 0.2)],
             ast.Div: [(ast.FloorDiv, 0.55), (ast.Mult, 0.35)], ast.FloorDiv: [(ast.Div, 0.55), (ast.Mod, 0.35)],
             ast.Mod: [(ast.FloorDiv, 0.4)], ast.Pow: [(ast.Mult, 0.4)]}
FUNC_SWAPS = {"min": "max", "max": "min", "any": "all", "all": "any", "lower": "upper", "upper": "lower",
              "floor": "ceil", "ceil": "floor", "startswith": "endswith", "endswith": "startswith",
              "append": "insert", "remove": "discard", "isupper": "islower", "islower": "isupper"}
# Methods called for their effect: `return xs.append(x)` would return None, never the fix.
IN_PLACE = {"append", "extend", "insert", "remove", "sort", "reverse", "update", "add", "clear", "discard",
            "setdefault", "write", "print"}
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def _describe(expr: ast.AST, src_text: str) -> str:
    """A short human name for what a condition checks: `score > 90` → "score"."""
    if isinstance(expr, ast.Compare) and isinstance(expr.left, (ast.Name, ast.Attribute)):
        return snippet(src_text.split(" ")[0], 30)
    return ""


def _expr_candidate(ctx: Context, node: ast.AST, new_src: str, operator: str, prior: float, title: str,
                    span: tuple[int, int] | None = None, replacement: str | None = None) -> Candidate:
    """A candidate that turns expression ``node`` into ``new_src`` (by editing ``span`` if given)."""
    a, b = ctx.src.span(node)
    old = ctx.src.get(node)
    if span is not None:
        a, b = span
    return Candidate(a, b, new_src if replacement is None else replacement, operator, node.lineno, old, new_src,
                     title, prior, old_expr=node, new_expr_src=new_src)


def _splice(ctx: Context, node: ast.AST, span: tuple[int, int], text: str) -> str:
    """``node``'s source with ``span`` (document offsets) replaced by ``text``."""
    a, _ = ctx.src.span(node)
    old = ctx.src.get(node)
    return old[: span[0] - a] + text + old[span[1] - a:]


def comparison(ctx: Context, node: ast.AST) -> Iterator[Candidate]:
    if not isinstance(node, ast.Compare):
        return
    prev = node.left
    for op, right in zip(node.ops, node.comparators):
        span = ctx.src.between(prev, right, CMP_TOKENS[type(op)])
        prev = right
        if span is None:
            continue
        what = _describe(node, ctx.src.get(node))
        for new_op, prior in CMP_SWAPS.get(type(op), []):
            new_tok = CMP_TEXT[new_op]
            where = f" in the `{what}` check" if what else ""
            yield _expr_candidate(ctx, node, _splice(ctx, node, span, new_tok), "comparison", prior,
                                  f"Use `{new_tok}` instead of `{CMP_TEXT[type(op)]}`{where}",
                                  span=span, replacement=new_tok)


def arithmetic(ctx: Context, node: ast.AST) -> Iterator[Candidate]:
    if isinstance(node, ast.BinOp) and type(node.op) in BIN_SWAPS:
        span = ctx.src.between(node.left, node.right, BIN_TOKENS[type(node.op)])
        if span is None:
            return
        for new_op, prior in BIN_SWAPS[type(node.op)]:
            tok = BIN_TEXT[new_op]
            yield _expr_candidate(ctx, node, _splice(ctx, node, span, tok), "arithmetic", prior,
                                  f"Use `{tok}` instead of `{BIN_TEXT[type(node.op)]}` in `{snippet(ctx.src.get(node), 30)}`",
                                  span=span, replacement=tok)
        if isinstance(node.op, NON_COMMUTATIVE):
            left, right = ctx.src.get(node.left), ctx.src.get(node.right)
            a, b = ctx.src.span(node.left)[0], ctx.src.span(node.right)[1]
            middle = ctx.src.text[ctx.src.span(node.left)[1]:ctx.src.span(node.right)[0]]
            new = right + middle + left
            yield _expr_candidate(ctx, node, _splice(ctx, node, (a, b), new), "swap_operands", 0.35,
                                  f"Swap the operands of `{snippet(ctx.src.get(node), 30)}`", span=(a, b),
                                  replacement=new)
    elif isinstance(node, ast.AugAssign) and type(node.op) in BIN_SWAPS:
        span = ctx.src.between(node.target, node.value, BIN_TOKENS[type(node.op)] + "=")
        if span is None:
            return
        for new_op, prior in BIN_SWAPS[type(node.op)]:
            tok = BIN_TEXT[new_op] + "="
            yield Candidate(span[0], span[1], tok, "arithmetic", node.lineno, ctx.src.get(node),
                            _splice(ctx, node, span, tok), f"Use `{tok}` instead of `{BIN_TEXT[type(node.op)]}=`",
                            prior)


def _is_int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _context_of(ctx: Context, node: ast.AST) -> str:
    """Where a number sits: a range bound, an index, a slice bound, a comparison, or elsewhere."""
    parent = ctx.parents.get(node)
    while isinstance(parent, (ast.BinOp, ast.UnaryOp)):
        parent = ctx.parents.get(parent)
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "range":
        return "range"
    if isinstance(parent, (ast.Slice, ast.Subscript)):
        return "index"
    if isinstance(parent, ast.Compare):
        return "comparison"
    return "other"


def _int_valued(ctx: Context, name: ast.Name) -> bool:
    """False when the trace shows ``name`` holding something other than an int (a dict key, say)."""
    failing, passing = ctx.envs(name.lineno)
    seen = [e[name.id] for e in failing + passing if name.id in e]
    return all(type(v) is int for v in seen)


def off_by_one(ctx: Context, node: ast.AST) -> Iterator[Candidate]:
    # `x - 1` / `x + 1` → `x`: the most common off-by-one is a stray adjustment.
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and _is_int(node.right) \
            and node.right.value == 1:
        left = ctx.src.get(node.left)
        where = _context_of(ctx, node)
        prior = 0.95 if where in ("range", "index") else 0.7
        yield _expr_candidate(ctx, node, left, "off_by_one", prior,
                              f"Use `{snippet(left, 30)}` instead of `{snippet(ctx.src.get(node), 30)}`")
    if _is_int(node) and not isinstance(ctx.parents.get(node), ast.UnaryOp):
        where = _context_of(ctx, node)
        prior = {"range": 0.6, "index": 0.6, "comparison": 0.65}.get(where, 0.4)
        for delta in (1, -1):
            value = node.value + delta
            if value < 0:
                continue
            yield _expr_candidate(ctx, node, str(value), "off_by_one", prior,
                                  f"Use `{value}` instead of `{node.value}`")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
            and node.args and not node.keywords and len(node.args) <= 2:
        last = node.args[-1]
        if not (isinstance(last, ast.BinOp) and _is_int(last.right)):
            text = ctx.src.get(last)
            for sign, prior in (("+", 0.55), ("-", 0.35)):
                new = f"{text} {sign} 1"
                a, b = ctx.src.span(last)
                yield _expr_candidate(ctx, node, _splice(ctx, node, (a, b), new), "off_by_one", prior,
                                      f"Use `range(…{new})` so the loop {'includes' if sign == '+' else 'stops before'} "
                                      f"`{snippet(text, 20)}`", span=(a, b), replacement=new)
        if len(node.args) == 2 and not _is_int(node.args[0]):
            first = node.args[0]
            text = ctx.src.get(first)
            if not (isinstance(first, ast.BinOp) and _is_int(first.right)):
                new = f"{text} + 1"
                a, b = ctx.src.span(first)
                yield _expr_candidate(ctx, node, _splice(ctx, node, (a, b), new), "off_by_one", 0.35,
                                      f"Start the range at `{new}`", span=(a, b), replacement=new)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and isinstance(node.ctx, ast.Load) \
            and _int_valued(ctx, node.slice):
        idx = ctx.src.get(node.slice)
        for sign in ("+", "-"):
            new = f"{idx} {sign} 1"
            a, b = ctx.src.span(node.slice)
            yield _expr_candidate(ctx, node, _splice(ctx, node, (a, b), new), "off_by_one", 0.35,
                                  f"Index with `{new}` instead of `{idx}`", span=(a, b), replacement=new)


def slice_bounds(ctx: Context, node: ast.AST) -> Iterator[Candidate]:
    if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
        return
    sl = node.slice
    for part, name in ((sl.lower, "start"), (sl.upper, "end")):
        if part is None:
            continue
        a, b = ctx.src.span(part)
        yield _expr_candidate(ctx, node, _splice(ctx, node, (a, b), ""), "slice_bounds", 0.55,
                              f"Drop the slice {name} `{snippet(ctx.src.get(part), 20)}`", span=(a, b), replacement="")
        if isinstance(part, ast.Name):
            for sign in ("+", "-"):
                new = f"{ctx.src.get(part)} {sign} 1"
                yield _expr_candidate(ctx, node, _splice(ctx, node, (a, b), new), "slice_bounds", 0.4,
                                      f"Use `{new}` as the slice {name}", span=(a, b), replacement=new)


def boolean(ctx: Context, node: ast.AST, stmt: ast.stmt) -> Iterator[Candidate]:
    if isinstance(node, ast.BoolOp):
        old_tok, new_tok = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        spans = [ctx.src.between(x, y, rf"\b{old_tok}\b") for x, y in zip(node.values, node.values[1:])]
        if all(spans):
            a, _ = ctx.src.span(node)
            old = ctx.src.get(node)
            new = old
            for s in reversed(spans):
                new = new[: s[0] - a] + new_tok + new[s[1] - a:]
            yield _expr_candidate(ctx, node, new, "boolean", 0.6, f"Use `{new_tok}` instead of `{old_tok}`")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = ctx.src.get(node.operand)
        yield _expr_candidate(ctx, node, inner, "boolean", 0.5, f"Drop the `not` in `{snippet(ctx.src.get(node), 30)}`")
    if isinstance(stmt, (ast.If, ast.While)) and node is stmt.test and not (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
        old = ctx.src.get(node)
        new = f"not ({old})" if isinstance(node, (ast.BoolOp, ast.Compare, ast.BinOp, ast.IfExp)) else f"not {old}"
        yield _expr_candidate(ctx, node, new, "boolean", 0.3, f"Negate the condition `{snippet(old, 30)}`")


def swapped_args(ctx: Context, node: ast.AST) -> Iterator[Candidate]:
    if not isinstance(node, ast.Call) or len(node.args) < 2 or any(isinstance(a, ast.Starred) for a in node.args):
        return
    for x, y in zip(node.args, node.args[1:]):
        a, b = ctx.src.span(x)[0], ctx.src.span(y)[1]
        middle = ctx.src.text[ctx.src.span(x)[1]:ctx.src.span(y)[0]]
        new = ctx.src.get(y) + middle + ctx.src.get(x)
        callee = snippet(ctx.src.get(node.func), 20)
        yield _expr_candidate(ctx, node, _splice(ctx, node, (a, b), new), "swapped_args", 0.5,
                              f"Swap the arguments `{snippet(ctx.src.get(x), 15)}` and `{snippet(ctx.src.get(y), 15)}` "
                              f"of `{callee}`", span=(a, b), replacement=new)


def function_swap(ctx: Context, node: ast.AST) -> Iterator[Candidate]:
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name) and f.id in FUNC_SWAPS and f.id not in ("append", "remove"):
            new = FUNC_SWAPS[f.id]
            yield Candidate(*ctx.src.span(f), new, "function_swap", node.lineno, f.id, new,
                            f"Call `{new}` instead of `{f.id}`", 0.5)
        elif isinstance(f, ast.Attribute) and f.attr in FUNC_SWAPS and f.attr not in ("append", "remove"):
            a, b = ctx.src.span(f)
            new = FUNC_SWAPS[f.attr]
            yield Candidate(b - len(f.attr), b, new, "function_swap", node.lineno, f.attr, new,
                            f"Call `.{new}()` instead of `.{f.attr}()`", 0.45)
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        new = str(not node.value)
        yield _expr_candidate(ctx, node, new, "constant", 0.45, f"Use `{new}` instead of `{node.value}`")


def wrong_variable(ctx: Context, node: ast.AST, scope: list[str]) -> Iterator[Candidate]:
    """Another in-scope name. No type filter: a wrong variable usually has the wrong type, that's the bug."""
    if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
        return
    names = scope + [n for n in _comprehension_names(ctx, node) if n not in scope]
    if node.id not in names:
        return
    parent = ctx.parents.get(node)
    if isinstance(parent, ast.Call) and parent.func is node:
        return
    fits = _element_fit(ctx, node, parent)
    for other in names:
        if other != node.id:
            prior = 0.9 if fits.get(other) else 0.3
            yield _expr_candidate(ctx, node, other, "wrong_variable", prior, f"Use `{other}` instead of `{node.id}`")


def _element_fit(ctx: Context, node: ast.Name, parent: ast.AST | None) -> dict[str, bool]:
    """For `xs.append(v)`: which names hold values of the type `xs` already holds, when `v` does not."""
    if not (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute)
            and parent.func.attr in ("append", "add", "insert") and node in parent.args
            and isinstance(parent.func.value, ast.Name)):
        return {}
    container = parent.func.value.id
    failing, passing = ctx.envs(node.lineno)
    kinds = {type(x) for e in failing + passing if isinstance(e.get(container), (list, set))
             for x in e[container]}
    if not kinds or any(type(e[node.id]) in kinds for e in failing if node.id in e):
        return {}
    return {n: True for e in failing for n, v in e.items() if type(v) in kinds and n != container}


def _comprehension_names(ctx: Context, node: ast.AST) -> list[str]:
    """Loop variables of the comprehensions enclosing ``node``."""
    out: list[str] = []
    while node in ctx.parents:
        node = ctx.parents[node]
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for gen in node.generators:
                out += [n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name) and n.id not in out]
        if isinstance(node, ast.stmt):
            break
    return out


def return_value(ctx: Context, stmt: ast.stmt, block_id: str, scope: list[str]) -> Iterator[Candidate]:
    """`return x` where a variable already holds what the failing test expected."""
    if not (isinstance(stmt, ast.Return) and stmt.value is not None):
        return
    from tracefix.repair.evaluate import literal, Unknown
    seen = set()
    for failure, env in ctx.producer_envs(block_id):
        try:
            expected = literal(failure.expected)
        except Unknown:
            continue
        for name in scope:
            if name in env and name not in seen and env[name] == expected and type(env[name]) is type(expected) \
                    and ctx.src.get(stmt.value) != name:
                seen.add(name)
                yield _expr_candidate(ctx, stmt.value, name, "return_value", 0.9, f"Return `{name}` instead of "
                                      f"`{snippet(ctx.src.get(stmt.value), 30)}`")


def _body_indent(ctx: Context, stmt: ast.stmt) -> str:
    return ctx.src.indent_of(stmt.lineno)


def _insert_before(ctx: Context, stmt: ast.stmt, lines: list[str], operator: str, prior: float,
                   title: str) -> Candidate:
    indent = _body_indent(ctx, stmt)
    text = "".join(indent + line + "\n" for line in lines)
    at = ctx.src.line_start(stmt.lineno)
    return Candidate(at, at, text, operator, stmt.lineno, "", text.strip(), title, prior)


def _return_choices(ctx: Context, func: ast.AST | None) -> list[str]:
    """Values the function already returns elsewhere (constants first), plus None."""
    out: list[str] = []
    if func is not None:
        for n in ast.walk(func):
            if isinstance(n, ast.Return) and n.value is not None and isinstance(n.value, ast.Constant):
                text = ctx.src.get(n.value)
                if text not in out:
                    out.append(text)
    if "None" not in out:
        out.append("None")
    return out[:4]


def exception_guard(ctx: Context, stmt: ast.stmt, exc: dict) -> Iterator[Candidate]:
    """Guards at the line that raised: `.get` for a missing key, early returns for empty input."""
    kind = exc.get("type", "")
    func = ctx.function_of(stmt)
    if kind == "KeyError":
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                    and not isinstance(node.slice, ast.Slice):
                d, k = ctx.src.get(node.value), ctx.src.get(node.slice)
                failing, _ = ctx.envs(stmt.lineno)
                values = [v for e in failing if isinstance(e.get(d), dict) for v in e[d].values()]
                default = "0" if values and all(isinstance(v, (int, float)) for v in values) else \
                    "[]" if values and all(isinstance(v, list) for v in values) else "None"
                for dflt, prior in ((default, 0.9), ("None", 0.4)) if default != "None" else (("None", 0.6),):
                    new = f"{d}.get({k}, {dflt})" if dflt != "None" else f"{d}.get({k})"
                    yield _expr_candidate(ctx, node, new, "missing_key", prior,
                                          f"Use `{new}` so a missing key does not raise KeyError")
                if func is not None:
                    for i, value in enumerate(_return_choices(ctx, func)):
                        yield _insert_before(ctx, stmt, [f"if {k} not in {d}:", f"    return {value}"],
                                             "missing_key", 0.75 - 0.05 * i,
                                             f"Return `{value}` when `{k}` is not in `{d}`")
    if kind in ("IndexError", "ZeroDivisionError", "ValueError", "TypeError") and func is not None:
        params = [a.arg for a in func.args.args if a.arg not in ("self", "cls")]
        used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
        for p in params:
            if p in used:
                for value in _return_choices(ctx, func)[:2] + ["0"]:
                    yield _insert_before(ctx, stmt, [f"if not {p}:", f"    return {value}"], "guard", 0.45,
                                         f"Return `{value}` early when `{p}` is empty")


def base_case(ctx: Context, func: ast.FunctionDef, recursion: bool) -> Iterator[Candidate]:
    """Insert a missing base case at the top of a (recursive) function."""
    body = func.body
    first = body[1] if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(
        getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str) else body[0]
    params = [a.arg for a in func.args.args if a.arg not in ("self", "cls")]
    prior = 0.6 if recursion else 0.2
    for p in params[:2]:
        for cond, value in ((f"{p} <= 0", "0"), (f"{p} <= 1", p), (f"not {p}", p), (f"len({p}) <= 1", p)):
            yield _insert_before(ctx, first, [f"if {cond}:", f"    return {value}"], "base_case", prior,
                                 f"Add the base case `if {cond}: return {value}`")


def missing_return(ctx: Context, func: ast.FunctionDef, scope: list[str], expected: list) -> Iterator[Candidate]:
    """The function fell off its end and returned None: return the value it computed last."""
    last = func.body[-1]
    if isinstance(last, ast.Return):
        return
    mutates = isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) \
        and isinstance(last.value.func, ast.Attribute) and last.value.func.attr in IN_PLACE
    if isinstance(last, ast.Expr) and not mutates \
            and not (isinstance(last.value, ast.Constant) and isinstance(last.value.value, str)):
        a, b = ctx.src.span(last)
        text = ctx.src.get(last)
        yield Candidate(a, b, f"return {text}", "missing_return", last.lineno, text, f"return {text}",
                        # Computing a value and dropping it at the end of a function that returned None
                        # is about the strongest hint there is.
                        f"Return `{snippet(text, 30)}`", 1.2)
        return
    indent = ctx.src.indent_of(func.body[0].lineno)
    end_line = last.end_lineno
    at = ctx.src.starts[end_line] if end_line < len(ctx.src.lines) else len(ctx.src.text)
    lead = "" if ctx.src.text[:at].endswith("\n") else "\n"
    ranked = sorted(scope, key=lambda n: (n not in expected, scope.index(n)))
    for name in ranked[:4]:
        yield Candidate(at, at, f"{lead}{indent}return {name}\n", "missing_return", end_line, "", f"return {name}",
                        f"Return `{name}` at the end of `{func.name}`", 0.85 if name in expected else 0.45)


def delete_statement(ctx: Context, stmt: ast.stmt) -> Iterator[Candidate]:
    if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr, ast.AnnAssign)):
        return
    parent = ctx.parents.get(stmt)
    siblings = next((getattr(parent, f) for f in ("body", "orelse", "finalbody")
                     if stmt in getattr(parent, f, [])), [])
    if len(siblings) < 2 or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
        return
    a = ctx.src.line_start(stmt.lineno)
    b = ctx.src.starts[stmt.end_lineno] if stmt.end_lineno < len(ctx.src.lines) else len(ctx.src.text)
    if ctx.src.text[a:ctx.src.span(stmt)[0]].strip() or ctx.src.text[ctx.src.span(stmt)[1]:b].strip(" \t\r\n;"):
        return  # shares its line with another statement
    old = ctx.src.get(stmt)
    yield Candidate(a, b, "", "delete_statement", stmt.lineno, old, "", f"Remove `{snippet(old, 40)}`", 0.25)
