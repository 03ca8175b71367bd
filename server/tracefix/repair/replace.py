"""Value replacement (Jeffrey, Gupta & Gupta, ISSTA 2008) as a localization probe.

On the failing run, give a variable a value it had at the same place in a passing test and see
whether the failing tests pass: a statement whose value, replaced, makes them pass is where the
run's state went wrong (or was decided), so its block gains suspiciousness (``localize.rerank``),
like a predicate switch (repair/switch.py). Here the replacement is a source edit of a one-line
assignment, ``x = expr`` → ``x = <literal>`` (``x += e`` and ``x: T = e`` likewise become
``x = <literal>`` / ``x: T = <literal>``), run in the sandboxed child on the failing tests only.
It forces the value at every execution of the statement in those runs, not at one dynamic
instance as the original technique does, and it is never offered as a fix: a constant that
passes a test is evidence about where the value matters, not a repair.

The alternative values come from the trace: what the assigned variable held when the statement's
block ended in passing tests (its ``after`` snapshot), kept only when ``ast.literal_eval`` reads
the rendered text back (plain data; truncated or opaque renderings are not literals) and when no
failing test had that value there. Replacements are tried at the top blocks of ``switch.top_blocks``:
each statement's most frequent passing value first, best block first, then second values.
``return expr`` is left alone: a returned constant that passes a test only repeats what the
localization already knows from the wrong returned value.
"""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass

from tracefix.model import RunResult, ScoredBlock, Segmentation, is_failing
from tracefix.repair.candidate import Candidate, Source
from tracefix.repair.switch import top_blocks

MAX_REPLACEMENTS = 6  # child runs spent on value replacements per debug run
VALUES_PER_STATEMENT = 2
MAX_LITERAL = 120  # characters: longer renderings are data dumps, not values to force


@dataclass
class Replacement(Candidate):
    name: str = ""  # the variable whose value is forced, for the block's explanation


def replacements(text: str, tree: ast.AST, seg: Segmentation, blocks: list[ScoredBlock], run: RunResult,
                 limit: int | None = None) -> list[Replacement]:
    """Candidates that assign a passing test's value in place of the computed one, at most ``limit``
    (default ``MAX_REPLACEMENTS``): first value of every statement (best block first), then second ones."""
    limit = MAX_REPLACEMENTS if limit is None else limit
    rank = top_blocks(blocks)
    src = Source(text)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[tuple[int, int, int, Replacement]] = []
    for stmt, name in _assignments(tree):
        home = seg.block_at(stmt.lineno)
        if home is None or home.id not in rank or stmt.lineno != stmt.end_lineno \
                or not _last_write(tree, stmt, name, home) or name in _while_names(stmt, parents):
            continue
        for k, value in enumerate(alternatives(run, home.id, name)[:VALUES_PER_STATEMENT]):
            cand = _candidate(text, src, stmt, name, value)
            cand.block, cand.block_rank = home.id, rank[home.id]
            found.append((k, rank[home.id], stmt.lineno, cand))
    found.sort(key=lambda t: t[:3])
    return [c for *_, c in found[:limit]]


def alternatives(run: RunResult, block: str, name: str) -> list[str]:
    """Literal renderings of ``name`` at the end of ``block`` in passing tests that no failing test had
    there, most frequent first (ties: first seen)."""
    outcome = {t.id: t.outcome for t in run.tests}
    passing: Counter[str] = Counter()
    failing: set[str] = set()
    for test_id, seq in run.traces.items():
        kind = outcome.get(test_id)
        for bid, visit in seq:
            value = visit.after.get(name) if bid == block and visit.after else None
            if value is None:
                continue
            if is_failing(kind):
                failing.add(value)
            elif kind == "passed":
                passing[value] += 1
    return [v for v, _ in passing.most_common() if v not in failing and _is_literal(v)]


def _is_literal(value: str) -> bool:
    if len(value) > MAX_LITERAL or "\n" in value:
        return False
    try:
        ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _assignments(tree: ast.AST) -> list[tuple[ast.stmt, str]]:
    """(statement, variable) for ``x = e``, ``x: T = e`` and ``x op= e`` with a plain name as target."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out.append((node, node.targets[0].id))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name) \
                and node.value is not None:
            out.append((node, node.target.id))
    return out


def _last_write(tree: ast.AST, stmt: ast.stmt, name: str, block) -> bool:
    """No later statement of the block assigns ``name`` (the block's ``after`` is then this statement's value)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name \
                and stmt.end_lineno < node.lineno <= block.end_line:
            return False
    return True


def _while_names(stmt: ast.AST, parents: dict[ast.AST, ast.AST]) -> set[str]:
    """Names read by the tests of the ``while`` loops around ``stmt``: a constant there may never let go."""
    out: set[str] = set()
    node = stmt
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.While):
            out |= {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            break
    return out


def _candidate(text: str, src: Source, stmt: ast.stmt, name: str, value: str) -> Replacement:
    if isinstance(stmt, ast.AugAssign):  # x += e → x = v: the statement's whole text goes
        start, end = src.span(stmt)
        new = f"{name} = {value}"
    else:
        start, end = src.span(stmt.value)
        new = value
    old = text[start:end]
    cand = Replacement(start, end, new, "value_replace", stmt.lineno, old, new,
                       f"Replace the value of `{name}` by {value}", 0.0, name=name)
    cand.new_text = cand.apply(text)
    return cand
