"""Bugs for a real project: tracefix's corpus mutation operators (bench/corpus/mutate.py) applied
to the lines of the package that its own suite executes, one bug per variant, kept only when plain
`pytest` on the mutated tree fails at least one test that passed on the pristine code.

Candidates are spread out before they are tried: at most one per line and, until every function had its turn, two per
function, with
modules and operators interleaved, in an order fixed by a seed.
"""
from __future__ import annotations

import ast
import hashlib
import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.corpus import mutate
from bench.projects.corpus import Baseline, Setup, log, patched


@dataclass
class Bug:
    id: str
    project: str
    module: str  # path relative to the project root
    function: str
    operator: str
    line: int
    col: int
    end_line: int
    end_col: int
    new: str
    description: str
    truth_lines: list[int]  # lines of the buggy text a fix has to touch
    killed_by: list[str]  # tests that passed on the pristine code and fail on the bug (first ones seen)
    suite_seconds: float

    def mutation(self) -> mutate.Mutation:
        return mutate.Mutation(self.operator, self.line, self.col, self.end_line, self.end_col, self.new,
                               self.description)

    def buggy_text(self, original: str) -> str:
        return mutate.apply(original, [self.mutation()])

    def to_json(self) -> dict:
        return asdict(self)


def target_modules(setup: Setup, base: Baseline) -> list[str]:
    """The package's modules (not its tests) that the suite executes, most-executed first."""
    out = []
    for rel, lines in base.lines.items():
        path = Path(rel)
        if not rel.startswith(setup.project.package.rstrip("/") + "/") or rel in setup.project.skip_modules:
            continue
        if "tests" in path.parts or "test" in path.parts or path.name.startswith("test_") \
                or path.name.endswith("_test.py") or path.name == "conftest.py":
            continue
        if len(lines) >= 5:
            out.append(rel)
    return sorted(out, key=lambda r: -len(base.lines[r]))


def _function_at(tree: ast.AST) -> dict[int, str]:
    """Line -> qualified name of the innermost function holding it."""
    out: dict[int, str] = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    for line in range(child.lineno, child.end_lineno + 1):
                        out[line] = name
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def candidates(setup: Setup, base: Baseline, seed: int = 0) -> list[tuple[str, mutate.Mutation, str]]:
    """(module, mutation, function) in the order they will be tried."""
    rng = random.Random(f"{setup.project.key}:{seed}")
    per_module: list[list[tuple[str, mutate.Mutation, str]]] = []
    for rel in target_modules(setup, base):
        text = (setup.pristine / rel).read_text()
        executed = set(base.lines[rel])
        where = _function_at(ast.parse(text))
        found = [m for m in mutate.mutations(text) if m.line in executed and m.line in where]
        rng.shuffle(found)
        # Operators interleaved (wrong_var alone would otherwise be most of them).
        by_op: dict[str, list] = defaultdict(list)
        for m in found:
            by_op[m.operator].append(m)
        ops = sorted(by_op)
        rng.shuffle(ops)
        ordered = []
        while any(by_op.values()):
            for op in ops:
                if by_op[op]:
                    ordered.append(by_op[op].pop())
        lines_used: set[int] = set()
        per_function: dict[str, int] = defaultdict(int)
        picked, overflow = [], []
        for m in ordered:
            fn = where[m.line]
            if m.line in lines_used:
                continue
            lines_used.add(m.line)
            per_function[fn] += 1
            (picked if per_function[fn] <= 2 else overflow).append((rel, m, fn))
        per_module.append(picked + overflow)  # small modules: more per function, after the rest
    out = []
    while any(per_module):
        for group in per_module:
            if group:
                out.append(group.pop(0))
    return out


def find_bugs(setup: Setup, base: Baseline, want: int, seed: int = 0, max_tries: int | None = None,
              log_every: bool = True) -> tuple[list[Bug], dict]:
    """Try candidates until ``want`` bugs are caught by the suite. Returns the bugs and tallies."""
    tally = {"tried": 0, "caught": 0, "survived": 0, "timeout": 0, "collection_error": 0}
    bugs: list[Bug] = []
    timeout = max(30.0, 5 * base.seconds + 10)
    deselect = [a for t in base.not_passed for a in ("--deselect", t)]
    for rel, m, fn in candidates(setup, base, seed):
        if len(bugs) >= want or (max_tries is not None and tally["tried"] >= max_tries):
            break
        tally["tried"] += 1
        path = setup.root / rel
        original = (setup.pristine / rel).read_text()
        buggy = mutate.apply(original, [m])
        with patched(path, buggy, original):
            res = setup.pytest(["-x", *deselect], timeout=timeout)
        broken = [t for t in res.broken(base.passed) if t in res.outcomes]
        if res.returncode is None:
            kind = "timeout"
        elif res.collect_errors and not broken:
            kind = "collection_error"
        elif broken:
            kind = "caught"
        else:
            kind = "survived"
        tally[kind] += 1
        if log_every:
            log(f"    {kind:16s} {rel}:{m.line} {m.operator}: {m.description}")
        if kind != "caught":
            continue
        digest = hashlib.sha1(f"{rel}:{m.line}:{m.col}:{m.end_line}:{m.end_col}:{m.new}".encode()).hexdigest()[:8]
        bugs.append(Bug(f"{setup.project.name}-{digest}", setup.project.key, rel, fn, m.operator, m.line, m.col,
                        m.end_line, m.end_col, m.new, m.description, mutate.ground_truth_lines(original, [m]),
                        broken[:5], round(res.seconds, 2)))
    return bugs, tally
