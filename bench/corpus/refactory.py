"""Refactory student programs (shipped by debugging-benchmark 0.0.1, MIT) graded on generated inputs.

Per question: seeded random inputs; expected outputs come from running the reference solution.
Hidden tests = every generated case; visible tests = the first VISIBLE cases (hand-written
edge cases first, then random ones), as one parametrized pytest function per graded function.

Ground truth ("nearest correct version"): among the reference and every *correct* attempt of
the same question that passes all hidden cases, take the one with the fewest differing lines
from the wrong attempt (difflib over lines with blank and comment-only lines dropped and
runs of spaces collapsed). Ground-truth lines are the wrong attempt's lines that the diff
replaces or deletes; where the diff only inserts, the line at the insertion point (or the
line before it at the end of the file). A wrong attempt is kept when it defines the graded
functions, fails at least one visible case, never times out, and its ground truth has 1 to
MAX_GT_LINES lines: a rewrite has no meaningful single location to find.
"""
from __future__ import annotations

import difflib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.corpus.runner import run_jobs

TIMEOUT = 0.5
HIDDEN = 40
VISIBLE = 8
MAX_GT_LINES = 3


@dataclass
class Question:
    number: int
    module: str  # file name of the program under test
    functions: tuple[str, ...]
    cases: Callable[[random.Random], list[tuple[str, tuple]]]  # (function, args) pairs, edge cases first


_MONTHS = ("May", "June", "July", "August")
_DAYS = tuple(str(d) for d in range(13, 20))
_NAMES = ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo")


def _q1_cases(rng: random.Random) -> list[tuple[str, tuple]]:
    fixed = [(42, (-5, 1, 3, 5, 7, 10)), (3, (1, 5, 10)), (5, ()), (-1, [1, 2, 3]), (10, [1, 5, 10]),
             (1, [1, 2]), (7, [1, 5, 10])]
    out = [("search", args) for args in fixed]
    while len(out) < HIDDEN:
        seq = sorted(rng.sample(range(-20, 40), rng.randint(0, 8)))
        x = rng.choice(seq + [rng.randint(-25, 45)]) if seq else rng.randint(-5, 5)
        out.append(("search", (x, tuple(seq) if rng.random() < 0.5 else seq)))
    return out


def _q2_cases(rng: random.Random) -> list[tuple[str, tuple]]:
    pool = [(m, d) for m in _MONTHS for d in _DAYS]
    classic = (("May", "15"), ("May", "16"), ("May", "19"), ("June", "17"), ("June", "18"), ("July", "14"),
               ("July", "16"), ("August", "14"), ("August", "15"), ("August", "17"))
    out = [("unique_day", ("19", classic)), ("unique_day", ("14", classic)), ("unique_month", ("May", classic)),
           ("contains_unique_day", ("May", classic)), ("contains_unique_day", ("July", classic)),
           ("unique_month", ("June", (("June", "17"),))), ("unique_day", ("15", ())),
           ("contains_unique_day", ("June", classic))]
    while len(out) < HIDDEN:
        birthdays = tuple(rng.sample(pool, rng.randint(1, 8)))
        fn = rng.choice(("unique_day", "unique_month", "contains_unique_day"))
        key = rng.choice(birthdays)[1 if fn == "unique_day" else 0] if rng.random() < 0.8 else (
            rng.choice(_DAYS) if fn == "unique_day" else rng.choice(_MONTHS))
        out.append((fn, (key, birthdays)))
    return out


def _q3_cases(rng: random.Random) -> list[tuple[str, tuple]]:
    fixed = [[1, 1, 1, 2, 3], [1, 5, 1, 1, 3, 2], [], [3, 4, 5, 1, 3], [7], [2, 2]]
    out = [("remove_extras", (lst,)) for lst in fixed]
    while len(out) < HIDDEN:
        out.append(("remove_extras", ([rng.randint(0, 6) for _ in range(rng.randint(0, 10))],)))
    return out


def _q4_cases(rng: random.Random) -> list[tuple[str, tuple]]:
    # Distinct ages only: with ties the expected order would be ambiguous.
    fixed = [[("F", 19), ("M", 35), ("F", 28)], [("M", 35), ("F", 18)], [], [("F", 23)],
             [("M", 20), ("F", 30), ("M", 40), ("F", 10)]]
    out = [("sort_age", (lst,)) for lst in fixed]
    while len(out) < HIDDEN:
        ages = rng.sample(range(1, 90), rng.randint(0, 7))
        out.append(("sort_age", ([(rng.choice("FM"), a) for a in ages],)))
    return out


def _q5_cases(rng: random.Random) -> list[tuple[str, tuple]]:
    fixed = [([9, 9, 4, 9, 7, 9, 3, 1, 6], 5), ([9, 8, 4, 5, 7, 2, 3, 1, 6], 5), ([4, 5, 2, 3, 1, 6], 6),
             ([4, 5, 2, 3, 1, 6], 0), ([1], 1), ([3, 1, 2], 2)]
    out = [("top_k", args) for args in fixed]
    while len(out) < HIDDEN:
        lst = [rng.randint(0, 20) for _ in range(rng.randint(1, 9))]
        out.append(("top_k", (lst, rng.randint(0, len(lst)))))
    return out


QUESTIONS = [
    Question(1, "search", ("search",), _q1_cases),
    Question(2, "birthdays", ("unique_day", "unique_month", "contains_unique_day"), _q2_cases),
    Question(3, "remove_extras", ("remove_extras",), _q3_cases),
    Question(4, "sort_age", ("sort_age",), _q4_cases),
    Question(5, "top_k", ("top_k",), _q5_cases),
]


def data_dir() -> Path:
    import debugging_benchmark

    return Path(debugging_benchmark.__file__).parent / "refactory"


def _call(fn: str, args: tuple) -> str:
    return f"{fn}({', '.join(repr(a) for a in args)})"


def _case_tests(cases: list[tuple[str, tuple]], expected: list[str]) -> list[dict]:
    return [{"name": f"case{i}", "mode": "exec", "code": f"assert {_call(fn, args)} == {exp}"}
            for i, ((fn, args), exp) in enumerate(zip(cases, expected))]


def _significant(text: str) -> list[tuple[int, str]]:
    """(line number, normalized text) of lines that carry code."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            indent = len(line) - len(line.lstrip())
            out.append((number, " " * indent + " ".join(stripped.split())))
    return out


def diff_lines(wrong: str, correct: str) -> list[int]:
    """Ground-truth lines of ``wrong`` against one correct version (see module docstring)."""
    a, b = _significant(wrong), _significant(correct)
    matcher = difflib.SequenceMatcher(a=[t for _, t in a], b=[t for _, t in b], autojunk=False)
    out: set[int] = set()
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            out.update(a[i][0] for i in range(i1, i2))
        elif tag == "insert" and a:
            out.add(a[min(i1, len(a) - 1)][0])
    return sorted(out)


def nearest_correct(wrong: str, pool: list[tuple[str, str]]) -> tuple[str, list[int]]:
    """(name, ground-truth lines) of the correct version with the fewest differing lines."""
    best = ("", list(range(1, 10_000)))
    for name, text in pool:
        lines = diff_lines(wrong, text)
        if len(lines) < len(best[1]) or (len(lines) == len(best[1]) and name < best[0]):
            best = (name, lines)
    return best


def test_file(question: Question, visible: list[tuple[str, tuple]], expected: list[str]) -> str:
    lines = [f'"""Visible tests for Refactory question {question.number}: expected values come from the reference."""',
             "import copy", "", "import pytest", "",
             f"from {question.module} import {', '.join(question.functions)}", ""]
    for fn in question.functions:
        rows = [(args, exp) for (f, args), exp in zip(visible, expected) if f == fn]
        if not rows:
            continue
        lines += ["", f"@pytest.mark.parametrize(\"args, expected\", ["]
        lines += [f"    ({args!r}, {exp})," for args, exp in rows]
        lines += ["])", f"def test_{fn}(args, expected):",
                  f"    assert {fn}(*copy.deepcopy(args)) == expected", ""]
    return "\n".join(lines)


def _job(job_id: str, question: Question, source: str, tests: list[dict]) -> dict:
    return {"id": job_id, "module": question.module, "source": source, "timeout": TIMEOUT, "tests": tests}


def _defines(text: str, names: tuple[str, ...]) -> bool:
    import ast

    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return set(names) <= defined


def build(seed: int, limit: int = 0) -> tuple[list[dict], dict]:
    programs, stats = [], {}
    root = data_dir()
    for question in QUESTIONS:
        qstats = {"wrong": 0, "correct": 0, "correct_passing": 0, "kept": 0, "dropped": {}}
        folder = root / f"question_{question.number}" / "code"
        reference = (folder / "reference" / "reference.py").read_text()
        cases = question.cases(random.Random(f"{seed}:refactory:{question.number}"))
        values = run_jobs([{"id": "reference", "module": question.module, "source": reference, "timeout": TIMEOUT,
                            "tests": [{"name": f"case{i}", "mode": "eval", "code": _call(fn, args)}
                                      for i, (fn, args) in enumerate(cases)]}])["reference"]["values"]
        expected = [values[f"case{i}"] for i in range(len(cases))]
        tests = _case_tests(cases, expected)
        visible_names = {t["name"] for t in tests[:VISIBLE]}
        correct = sorted((folder / "correct").glob("*.py"))
        wrong = sorted((folder / "wrong").glob("*.py"))
        if limit:
            wrong = wrong[:limit]
        qstats["wrong"], qstats["correct"] = len(wrong), len(correct)
        texts = {p.stem: p.read_text(errors="replace") for p in correct + wrong}
        jobs = [_job(p.stem, question, texts[p.stem], tests) for p in correct + wrong
                if _defines(texts[p.stem], question.functions)]
        results = run_jobs(jobs)
        pool = [("reference", reference)] + [
            (p.stem, texts[p.stem]) for p in correct if p.stem in results
            and results[p.stem]["load"] == "ok" and all(o == "passed" for o in results[p.stem]["results"].values())]
        qstats["correct_passing"] = len(pool) - 1
        for path in wrong:
            row = results.get(path.stem)
            reason = _drop_reason(row, visible_names)
            if reason is None:
                name, gt = nearest_correct(texts[path.stem], pool)
                if not 1 <= len(gt) <= MAX_GT_LINES:
                    reason = "rewrite" if gt else "no-diff"
            if reason:
                qstats["dropped"][reason] = qstats["dropped"].get(reason, 0) + 1
                continue
            qstats["kept"] += 1
            failing = sorted((t for t in visible_names if row["results"][t] != "passed"), key=lambda s: int(s[4:]))
            programs.append({
                "id": f"rf{question.number}-{path.stem.split('_')[-1]}",
                "source": "refactory",
                "module": question.module,
                "text": texts[path.stem],
                "test_file": test_file(question, cases[:VISIBLE], expected[:VISIBLE]),
                "hidden": tests,
                "meta": {
                    "kind": "student",
                    "ground_truth_lines": gt,
                    "operators": ["student"],
                    "nearest_correct": name,
                    "visible_tests": VISIBLE,
                    "visible_failing": failing,
                    "provenance": {"dataset": "Refactory", "question": question.number,
                                   "file": f"debugging_benchmark/refactory/question_{question.number}/code/wrong/{path.name}",
                                   "package": "debugging-benchmark==0.0.1", "licence": "MIT (package); see PROVENANCE.md"},
                },
            })
        stats[f"question_{question.number}"] = qstats
    return programs, stats


def _drop_reason(row: dict | None, visible: set[str]) -> str | None:
    if row is None:
        return "missing-functions"
    if row["load"] != "ok":
        return "does-not-load"
    outcomes = row["results"]
    if any(o in ("timeout", "error:crash") for o in outcomes.values()):
        return "timeout"
    if all(outcomes[name] == "passed" for name in visible):
        return "visible-tests-pass"
    return None
