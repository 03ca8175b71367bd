"""Enumerate candidate edits at the most suspicious blocks and order them.

Order matters more than count: every candidate costs a real test run, so the likely
fixes must come first. A candidate's score is
    block weight (suspiciousness, decaying with rank) × operator prior × trace prediction,
where the prediction re-evaluates the edited condition or returned expression on the values
the failing and passing tests actually had (see ``evaluate``).
"""
from __future__ import annotations

import ast
import warnings
from typing import Iterable

from tracefix.model import ScoredBlock, is_test_code
from tracefix.repair import conversions, names, structure
from tracefix.repair import operators as ops
from tracefix.repair.context import Context
from tracefix.repair.evaluate import Unknown, evaluate, literal
from tracefix.repair.candidate import Candidate, snippet

TOP_BLOCKS = 6
RANK_DECAY = 0.88


def candidates(ctx: Context, blocks: list[ScoredBlock], path: str = "<doc>") -> list[Candidate]:
    """All compiling candidates for the top blocks, best first, one per distinct resulting text."""
    ranked = [sb for sb in blocks if sb.suspiciousness > 0 and not is_test_code(sb.block.function)][:TOP_BLOCKS]
    best: dict[str, Candidate] = {}
    exc_lines = {int(f.test.exception["line"]): f.test.exception for f in ctx.failures
                 if f.test.exception and f.test.exception.get("line") and f.site}
    for rank, sb in enumerate(ranked):
        weight = max(sb.suspiciousness, 0.05) * RANK_DECAY ** rank
        for cand in _safely(_for_block(ctx, sb, exc_lines)):
            cand.block, cand.block_rank = sb.block.id, rank
            cand.score = weight * cand.prior * _predict(ctx, cand) * _reached(ctx, sb, cand)
            text = cand.apply(ctx.src.text)
            if text == ctx.src.text:
                continue
            prev = best.get(text)
            if prev is None or prev.score < cand.score:
                cand.new_text = text
                best[text] = cand
    # A header edit reached through a guarded block is reported against the block that holds its line.
    rank_of = {sb.block.id: r for r, sb in enumerate(ranked)}
    for cand in best.values():
        home = ctx.seg.block_at(cand.line)
        if home is not None and home.id in rank_of:
            cand.block_rank, cand.block = rank_of[home.id], home.id
    ordered = sorted(best.values(), key=lambda c: (-c.score, c.block_rank, c.line, c.start))
    return [c for c in ordered if _compiles(c.new_text, path)]


def _reached(ctx: Context, sb: ScoredBlock, cand: Candidate) -> float:
    """Lines after the one that raised never ran in that test: editing them cannot fix it."""
    for f in ctx.failures:
        exc = f.test.exception or {}
        if f.site == sb.block.id and exc.get("line") and cand.line > int(exc["line"]) \
                and sb.block.contains(cand.line):
            return 0.1
    return 1.0


def _safely(gen: Iterable[Candidate]) -> Iterable[Candidate]:
    """Stop one block's enumeration, not the debug run, if an operator trips on unusual code."""
    try:
        yield from gen
    except Exception:  # noqa: BLE001 - the candidates produced so far are still good
        return


def _compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a candidate's `x is 0` would warn on the user's terminal
            compile(text, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def _for_block(ctx: Context, sb: ScoredBlock, exc_lines: dict[int, dict]) -> Iterable[Candidate]:
    block = sb.block
    funcs_done: set[ast.AST] = set()
    for stmt, roots in ctx.statements(block):
        func = ctx.function_of(stmt)
        scope = ctx.scope_names(func)
        for root in roots:
            for node in ast.walk(root):
                if isinstance(node, (ast.Lambda, ast.FunctionDef)):
                    continue
                yield from ops.comparison(ctx, node)
                yield from ops.arithmetic(ctx, node)
                yield from ops.off_by_one(ctx, node)
                yield from ops.slice_bounds(ctx, node)
                yield from ops.boolean(ctx, node, stmt)
                yield from ops.swapped_args(ctx, node)
                yield from ops.function_swap(ctx, node)
                yield from ops.wrong_variable(ctx, node, scope)
        yield from ops.return_value(ctx, stmt, block.id, scope)
        yield from conversions.return_conversion(ctx, stmt, block.id)
        yield from structure.sibling_statement(ctx, stmt)
        exc = _raised_at(stmt, exc_lines)
        if exc is not None:
            # What the exception says (its type and message, the traced values) picks the repair.
            yield from names.attribute_name(ctx, stmt, exc)
            yield from names.call_arguments(ctx, stmt, exc)
            yield from conversions.at_type_error(ctx, stmt, exc)
            yield from structure.except_type(ctx, stmt, exc)
            yield from structure.none_guard(ctx, stmt, exc)
            yield from ops.exception_guard(ctx, stmt, exc)
        yield from ops.delete_statement(ctx, stmt)
        if func is not None and func not in funcs_done:
            funcs_done.add(func)
            yield from _function_level(ctx, func, scope)


def _raised_at(stmt: ast.stmt, exc_lines: dict[int, dict]) -> dict | None:
    """The exception a failing test raised on one of the statement's lines (a call spread over lines
    raises on the line of the failing part), unless the statement is a compound one's header."""
    if isinstance(stmt, (ast.If, ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Try)):
        return exc_lines.get(stmt.lineno)
    return next((exc_lines[n] for n in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
                 if n in exc_lines), None)


def _function_level(ctx: Context, func: ast.FunctionDef, scope: list[str]) -> Iterable[Candidate]:
    recursion = any(f.test.exception and f.test.exception.get("type") == "RecursionError" for f in ctx.failures)
    calls_itself = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == func.name
                       for n in ast.walk(func))
    if calls_itself:
        yield from ops.base_case(ctx, func, recursion)
    if not isinstance(func.body[-1], ast.Return) and _returned_none(ctx, func):
        holds_expected = []
        for f in ctx.failures:
            try:
                want = literal(f.expected)
            except Unknown:
                continue
            for env in ctx.envs(func.body[-1].lineno)[0]:
                holds_expected += [n for n in scope if n in env and env[n] == want]
        yield from ops.missing_return(ctx, func, scope, holds_expected)


def _returned_none(ctx: Context, func: ast.FunctionDef) -> bool:
    """Some failing test saw ``func`` fall off its end (a visit of its last lines returned None)."""
    lines = range(func.body[-1].lineno, func.end_lineno + 1)
    blocks = {b.id for b in ctx.seg.blocks if any(b.contains(n) for n in lines)}
    failing = {f.test.id for f in ctx.failures}
    return any(v.returned == "None" and bid in blocks for t in failing for bid, v in ctx.run.traces.get(t, []))


def _root_of(ctx: Context, cand: Candidate) -> tuple[ast.AST, ast.stmt] | None:
    """The condition / returned / assigned expression that contains the candidate's span."""
    roots = getattr(ctx, "_roots", None)
    if roots is None:  # computed once per repair: (start, end, root, statement)
        roots = []
        for node in ast.walk(ctx.tree):
            root = None
            if isinstance(node, (ast.If, ast.While)):
                root = node.test
            elif isinstance(node, (ast.Return, ast.Assign, ast.AugAssign)) and node.value is not None:
                root = node.value
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                root = node.iter
            if root is not None:
                roots.append((*ctx.src.span(root), root, node))
        ctx._roots = roots  # type: ignore[attr-defined]
    for a, b, root, node in roots:
        if a <= cand.start and cand.end <= b and cand.start < b:
            return root, node
    return None


def _predict(ctx: Context, cand: Candidate) -> float:
    """Multiplier from re-evaluating the edited expression on traced values (1.0 when unknown)."""
    found = _root_of(ctx, cand)
    if found is None:
        return 1.0
    root, stmt = found
    a, b = ctx.src.span(root)
    old_src = ctx.src.text[a:b]
    new_src = ctx.src.text[a:cand.start] + cand.replacement + ctx.src.text[cand.end:b]
    try:
        old_expr = ast.parse(f"(\n{old_src}\n)", mode="eval").body
        new_expr = ast.parse(f"(\n{new_src}\n)", mode="eval").body
    except SyntaxError:
        return 1.0
    if isinstance(stmt, ast.Return):
        block = ctx.seg.block_at(stmt.lineno)
        verdicts = []
        for failure, env in ctx.producer_envs(block.id) if block else []:
            try:
                got, want = evaluate(new_expr, env), literal(failure.expected)
            except Unknown:
                continue
            verdicts.append(got == want and type(got) is type(want))
            if verdicts[-1]:
                cand.evidence = (f"with the traced values of {failure.test.id}, `{snippet(new_src, 40)}` "
                                 f"gives {failure.expected}, as the test expects")
        if verdicts:
            return 6.0 if all(verdicts) else 2.0 if any(verdicts) else 0.15
    failing, passing = ctx.envs(stmt.lineno)
    f_changed = _changes(old_expr, new_expr, failing)
    p_changed = _changes(old_expr, new_expr, passing)
    if f_changed is None:
        return 1.0
    is_cond = isinstance(stmt, (ast.If, ast.While))
    if f_changed and p_changed is None:
        return 1.3 if is_cond else 1.0  # no passing test to tell a fix from a break
    if f_changed and not p_changed:
        if is_cond:
            cand.evidence = (f"on the failing inputs `{snippet(old_src, 30)}` and `{snippet(new_src, 30)}` "
                             f"disagree, while on the passing inputs they agree")
        return 4.0 if is_cond else 2.0
    if f_changed:
        return 1.2 if is_cond else 1.0
    return 0.3


def _changes(old: ast.AST, new: ast.AST, envs: list[dict]) -> bool | None:
    """Whether the edit changes the expression's value in any traced state (None: can't tell)."""
    known = False
    for env in envs:
        try:
            before = evaluate(old, env)
        except Unknown:
            continue
        try:
            after = evaluate(new, env)
        except Unknown:
            return True  # the edit makes it raise (or leave what we can evaluate): a change
        known = True
        if before != after or type(before) is not type(after):
            return True
    return False if known else None
