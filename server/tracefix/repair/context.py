"""What the repair operators know about the document and the failing run.

Built once per repair: the parsed tree with parents and enclosing functions, the
statements each block owns, and the traced values per block (turned into plain data)
split into failing and passing tests, so operators can prefer edits the trace supports.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from tracefix.localize import Failure, owners
from tracefix.model import Block, RunResult, Segmentation, is_failing
from tracefix.repair.evaluate import env_from
from tracefix.repair.candidate import Source

MAX_ENVS = 24  # traced states per block and kind kept for predictions


@dataclass
class Context:
    src: Source
    tree: ast.Module
    seg: Segmentation
    run: RunResult
    failures: list[Failure]
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    _envs: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = field(default_factory=dict)

    @classmethod
    def build(cls, text: str, tree: ast.Module, seg: Segmentation, run: RunResult,
              failures: list[Failure]) -> "Context":
        ctx = cls(Source(text), tree, seg, run, failures)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                ctx.parents[child] = node
        return ctx

    # --- structure -------------------------------------------------------------------------
    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def scope_names(self, func: ast.AST | None) -> list[str]:
        """Parameters and locals assigned in ``func`` (in order of appearance)."""
        if func is None:
            return []
        names: list[str] = []
        a = func.args
        for arg in [*a.posonlyargs, *a.args, *([a.vararg] if a.vararg else []), *a.kwonlyargs,
                    *([a.kwarg] if a.kwarg else [])]:
            names.append(arg.arg)
        for node in ast.walk(func):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names \
                    and not self._in_comprehension(node, func):
                names.append(node.id)
        return [n for n in names if n not in ("self", "cls")]

    def _in_comprehension(self, node: ast.AST, stop: ast.AST) -> bool:
        while node in self.parents and node is not stop:
            node = self.parents[node]
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)):
                return True
        return False

    def statements(self, block: Block) -> list[tuple[ast.stmt, list[ast.AST]]]:
        """(statement, expression roots to mutate) for each statement the block owns.

        A compound statement's header (an ``if`` test, a ``for`` iterable) belongs to the block
        that holds its line and also to the blocks it guards, because a wrong condition shows
        up as the wrong block running.
        """
        out = []
        own = owners(self.tree)
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.stmt) or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                     ast.ClassDef)):
                continue
            if own.get(node) != block.function:
                continue
            inside = block.start_line <= node.lineno <= block.end_line
            if isinstance(node, (ast.If, ast.While)):
                guarded = [s[0].lineno for s in (node.body, node.orelse) if s]
                if inside or block.start_line in guarded:
                    out.append((node, [node.test]))
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                guarded = [node.body[0].lineno]
                if inside or block.start_line in guarded:
                    out.append((node, [node.iter]))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                if inside:
                    out.append((node, [item.context_expr for item in node.items]))
            elif isinstance(node, (ast.Try, ast.Match)) or hasattr(node, "body"):
                continue
            elif inside:
                out.append((node, [node]))
        out.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
        return out

    # --- traced values ---------------------------------------------------------------------
    def envs(self, line: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Traced states (failing tests, passing tests) of the block holding ``line``."""
        block = self.seg.block_at(line)
        if block is None:
            return [], []
        if block.id in self._envs:
            return self._envs[block.id]
        at_start = line <= max(block.start_line, block.leader_line)
        outcome = {t.id: t.outcome for t in self.run.tests}
        failing: list[dict[str, Any]] = []
        passing: list[dict[str, Any]] = []
        for test_id, seq in self.run.traces.items():
            kind = outcome.get(test_id)
            bucket = failing if is_failing(kind) else passing if kind == "passed" else None
            if bucket is None:
                continue
            for bid, visit in seq:
                if bid == block.id and len(bucket) < MAX_ENVS:
                    reprs = dict(visit.before) if at_start else {**visit.before, **visit.after}
                    bucket.append(env_from(reprs))
        self._envs[block.id] = (failing, passing)
        return failing, passing

    def producer_envs(self, block_id: str) -> list[tuple[Failure, dict[str, Any]]]:
        """States of failing tests at the visit that returned the wrong value from ``block_id``."""
        out = []
        for f in self.failures:
            if f.producer and f.producer[1] == block_id:
                visit = f.producer[2]
                out.append((f, env_from({**visit.before, **visit.after})))
        return out
