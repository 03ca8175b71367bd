"""Real projects: tracefix on bugs injected into open-source projects, run as a user would.

    python bench/projects.py [--projects a,b] [--limit N] [--skip N] [--quick] [--corpus-only]
                             [--tracefix REV|worktree] [--hold-back 0.5] [--suggestions FILE]

For each project of bench/projects/spec.py: fetch its sdist at the pinned version, give it its own
venv, run its own suite with plain `pytest` (the baseline), inject bugs with the corpus mutation
operators into lines that suite executes and keep the ones it catches, then for each bug run
`tracefix debug <module> --json --python <project venv>/bin/python` from the project root, with a
seeded half of the suite held back from it (bench/projects/holdout.py), and score it against the
whole suite (bench/projects/evaluate.py). Prints a table per project and in total and writes
bench/results/projects.json, plus one line per suggestion (decide features and the label
`correct`) to bench/results/projects_run_suggestions.jsonl (`make decide-project-rows` writes the decide fit's
rows, bugs 1-8 of each project, to bench/results/projects_suggestions.jsonl). Downloads, venvs and
found bugs are cached (see corpus.py).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, table  # noqa: E402
from bench.projects.corpus import DEFAULT_CACHE, Setup, default_python, log  # noqa: E402
from bench.projects.evaluate import Tracefix, evaluate_bug, pristine_check  # noqa: E402
from bench.projects.holdout import hidden_tests, remove_leftover  # noqa: E402
from bench.projects.mutants import Bug, find_bugs, target_modules  # noqa: E402
from bench.projects.spec import BY_NAME, PROJECTS  # noqa: E402

TARGETS = {"detected": 0.90, "loc@3": 0.60, "precision": 0.95}


def load_bugs(setup: Setup, base, want: int, seed: int, skip: int = 0) -> tuple[list[Bug], dict]:
    """Bugs ``skip`` to ``skip + want`` of this (project, python, seed): found earlier if there are enough, else
    searched again (bugs are found in a fixed order, so the first ones stay the first)."""
    bugs, tally = _found_bugs(setup, base, skip + want, seed)
    return bugs[skip:], tally


def _found_bugs(setup: Setup, base, want: int, seed: int) -> tuple[list[Bug], dict]:
    cache = setup.state_file.with_name(setup.state_file.stem + f".bugs-seed{seed}.json")
    if cache.exists():
        data = json.loads(cache.read_text())
        if len(data["bugs"]) >= want or data.get("exhausted"):
            return [Bug(**b) for b in data["bugs"][:want]], data["tally"]
    log(f"  searching bugs in {setup.project.key} (want {want})")
    bugs, tally = find_bugs(setup, base, want, seed)
    cache.write_text(json.dumps({"bugs": [b.to_json() for b in bugs], "tally": tally,
                                 "exhausted": len(bugs) < want}))
    return bugs, tally


def ratio_of(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def summarize(rows: list[dict]) -> dict:
    n = len(rows)
    shown = [r for r in rows if r["fix_shown"]]
    fixes = [f for r in rows for f in r["fixes"]]

    def frac(k: int, d: int) -> float | None:
        return round(k / d, 4) if d else None

    return {
        "bugs": n,
        "detected": frac(sum(r["detected"] for r in rows), n),
        "detected_reported": frac(sum(r["detected_reported"] for r in rows), n),
        "detected_only_by_doctest": sum(1 for r in rows if r.get("detected_by_doctest")),
        "loc@1": frac(sum(1 for r in rows if r["rank"] == 1), n),
        "loc@3": frac(sum(1 for r in rows if r["rank"] is not None and r["rank"] <= 3), n),
        "fix_shown": frac(len(shown), n),
        "fix_correct": frac(sum(r["fix_correct"] for r in rows), n),
        "precision": frac(sum(r["fix_correct"] for r in shown), len(shown)),
        "precision_all_shown": frac(sum(f["correct"] for f in fixes), len(fixes)),
        "fix_any_correct": frac(sum(bool(r.get("fix_any_correct")) for r in rows), n),
        "suggestions": sum(len(r.get("judged", [])) for r in rows),
        "median_held_back": ratio_of([r["held_back"] for r in rows if "held_back" in r]),
        "catching_hidden": sum(1 for r in rows if r.get("catching_hidden")),
        "median_tests_found": ratio_of([r["tests_found"] for r in rows]),
        "median_tests_run": ratio_of([r["tests_run"] for r in rows]),
        "median_wall_s": ratio_of([r["wall_s"] for r in rows]),
        "median_traced_vs_plain": ratio_of([r["ratio"] for r in rows if r["ratio"]]),
        "median_traced_vs_plain_tests": ratio_of([r["ratio_tests"] for r in rows if r.get("ratio_tests")]),
        "exit_codes": dict(sorted(Counter(str(r["exit"]) for r in rows).items())),
        "tree_changed": sum(1 for r in rows if r["tree_changed"]),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--projects", default="", help="comma-separated names (default: all)")
    ap.add_argument("--limit", type=int, default=16, help="bugs per project (default 16)")
    ap.add_argument("--skip", type=int, default=0,
                    help="leave out each project's first N bugs (e.g. those the decide fit saw): a fresh evaluation set")
    ap.add_argument("--quick", action="store_true", help="2 bugs per project, no pristine checks")
    ap.add_argument("--corpus-only", action="store_true", help="build and verify the corpus; no tracefix runs")
    ap.add_argument("--no-pristine", action="store_true", help="skip tracefix on the unmodified modules")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--python", default=default_python(), help="base interpreter of the project venvs")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--tracefix", default="HEAD",
                    help="a git revision of this repository (exported, default HEAD) or `worktree` (the code on disk)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per tracefix run")
    ap.add_argument("--out", type=Path, default=RESULTS / "projects.json")
    ap.add_argument("--hold-back", type=float, default=0.5,
                    help="share of the passing tests hidden from tracefix per bug, judged only (default 0.5)")
    ap.add_argument("--suggestions", type=Path, default=None,
                    help="one JSON line per judged suggestion, for bench/decide.py (default "
                         "bench/results/projects_run_suggestions.jsonl; with --from-json: rewritten only if given)")
    ap.add_argument("--from-json", type=Path, help="print the tables of a saved (maybe partial) run and update it")
    args = ap.parse_args(argv)
    if args.from_json:
        result = json.loads(args.from_json.read_text())
        print_tables(result)
        _write(args.from_json, result)
        if args.suggestions:
            args.suggestions.write_text("")
            for row in result["bugs"]:
                _append_suggestions(args.suggestions, row)
        return 0
    args.suggestions = args.suggestions or RESULTS / "projects_run_suggestions.jsonl"
    limit = 2 if args.quick else args.limit
    names = [n for n in args.projects.split(",") if n]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        ap.error(f"unknown project(s) {unknown}; known: {sorted(BY_NAME)}")
    projects = [BY_NAME[n] for n in names] if names else PROJECTS
    args.cache.mkdir(parents=True, exist_ok=True)
    tracefix = None if args.corpus_only else Tracefix.make(args.tracefix, args.cache)

    result = {"meta": {"date": datetime.datetime.now().isoformat(timespec="seconds"),
                       "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                       "project_python": args.python, "tracefix": tracefix.label if tracefix else None,
                       "tracefix_commit": tracefix.commit if tracefix else None,
                       "tracefix_dirty_files": tracefix.dirty if tracefix else None,
                       "limit": limit, "skip": args.skip, "seed": args.seed, "targets": TARGETS,
                       "hold_back": args.hold_back,
                       "tracefix_cache": "empty per bug" if args.quick or args.no_pristine else
                       "per bug, a copy of the cache left by tracefix runs on the unmodified modules"},
              "projects": [], "bugs": [], "summary": {}}
    rows_by_project: dict[str, list[dict]] = {}
    started = time.monotonic()
    if tracefix is not None:  # this run's suggestions only
        args.suggestions.parent.mkdir(parents=True, exist_ok=True)
        args.suggestions.write_text("")
    for project in projects:
        log(f"== {project.key}")
        setup = Setup(project, args.cache, args.python)
        try:
            setup.prepare()
            if remove_leftover(setup.root, setup.pristine):
                log("  removed the held-back conftest.py an interrupted run left")
            base = setup.baseline()
            bugs, tally = load_bugs(setup, base, limit, args.seed, args.skip)
        except Exception as exc:  # one broken project must not sink the others
            log(f"  skipped: {exc}")
            result["projects"].append({"name": project.name, "version": project.version, "error": str(exc)})
            continue
        entry = {"name": project.name, "version": project.version, "layout": list(project.layout),
                 "test_command": project.test_command, "test_deps": list(project.test_deps), "notes": project.notes,
                 "python": setup.py_tag, "suite_seconds": base.seconds, "tests": base.tests,
                 "passed": len(base.passed), "not_passed": len(base.not_passed),
                 "modules": target_modules(setup, base), "mutants": tally, "bugs": len(bugs), "pristine": []}
        result["projects"].append(entry)
        if tracefix is None:
            continue
        # tracefix's own cache as a user's would be: filled by runs on the correct code (the pristine
        # checks), then copied afresh for every bug so no bug sees what another one left behind.
        warm = args.cache / "tracefix-cache" / f"{project.key}-{setup.py_tag}"
        shutil.rmtree(warm, ignore_errors=True)
        warm.mkdir(parents=True)
        if not (args.quick or args.no_pristine):
            for module in sorted({b.module for b in bugs}):
                log(f"  pristine {module}")
                entry["pristine"].append(pristine_check(setup, base, tracefix, module, args.timeout, warm))
        rows = rows_by_project.setdefault(project.name, [])
        for i, bug in enumerate(bugs, 1):
            per_bug = warm.with_name(warm.name + "-bug")
            shutil.rmtree(per_bug, ignore_errors=True)
            shutil.copytree(warm, per_bug)
            hidden = hidden_tests(base.passed, bug.killed_by, args.hold_back, f"{args.seed}:{bug.id}")
            row = evaluate_bug(setup, base, bug, tracefix, args.timeout, per_bug, hidden)
            rows.append(row)
            result["bugs"].append(row)
            _append_suggestions(args.suggestions, row)
            log(f"  [{i}/{len(bugs)}] {bug.module}:{bug.line} {bug.operator}: exit {row['exit']}, "
                f"{row['tests_found']} tests, detected={row['detected']}, rank={row['rank']}, "
                f"shown={row['fix_shown']}, correct={row['fix_correct']}, {row['wall_s']} s")
            _write(args.out, result)
        setup.check_work_tree()

    result["meta"]["seconds"] = round(time.monotonic() - started, 1)
    print_tables(result)
    _write(args.out, result)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


def print_tables(result: dict) -> None:
    """The corpus table and, if tracefix ran, the per-project and total scores (kept in ``result``)."""
    corpus_rows = [[f"{e['name']}-{e['version']}", ",".join(e["layout"]), f"{e['suite_seconds']:.1f}", e["tests"],
                    e["passed"], e["mutants"]["tried"], e["bugs"]] for e in result["projects"] if "error" not in e]
    print("\nCorpus (plain pytest in each project's own venv, python " + str(result["meta"]["project_python"]) + "):")
    print(table(["project", "layout", "suite s", "tests", "passed", "mutants tried", "bugs caught"], corpus_rows))
    if not result["bugs"]:
        return
    headers = ["project", "bugs", "tests found", "detected", "loc@1", "loc@3", "fix shown", "correct",
               "precision", "any correct", "wall s", "traced/plain", "pristine: modules w/ false fails"]
    out_rows = []
    for entry in result["projects"]:
        rows = [r for r in result["bugs"] if r["project"] == entry["name"]]
        if not rows:
            continue
        s = summarize(rows)
        s["pristine_false_failures"] = sum(len(p["false_failures"]) for p in entry["pristine"])
        entry["summary"] = s
        out_rows.append(_row(entry["name"], s, entry["pristine"]))
    total = summarize(result["bugs"])
    pristine = [p for e in result["projects"] for p in e.get("pristine", [])]
    total["pristine_false_failures"] = sum(len(p["false_failures"]) for p in pristine)
    total["targets_met"] = {k: (total[k] is not None and total[k] >= v) for k, v in TARGETS.items()}
    result["summary"] = total
    out_rows.append(_row("total", total, pristine))
    held = result["meta"].get("hold_back", 0)
    print(f"\ntracefix ({result['meta']['tracefix']}) on each bug, from the project root, no --test"
          + (f", {held:.0%} of the passing tests held back from it and judged only:" if held else ":"))
    print(table(headers, out_rows))
    print("targets: " + ", ".join(f"{k} >= {v:.0%}: {'met' if total['targets_met'][k] else 'NOT met'}"
                                  for k, v in TARGETS.items()))


def _row(name: str, s: dict, pristine: list[dict]) -> list:
    def pct(v):
        return "-" if v is None else f"{v:.0%}"

    return [name, s["bugs"], "-" if s["median_tests_found"] is None else f"{s['median_tests_found']:g}", pct(s["detected"]), pct(s["loc@1"]), pct(s["loc@3"]),
            pct(s["fix_shown"]), pct(s["fix_correct"]), "-" if s["precision"] is None else f"{s['precision']:.2f}",
            pct(s.get("fix_any_correct")),
            "-" if s["median_wall_s"] is None else f"{s['median_wall_s']:.1f}", "-" if s["median_traced_vs_plain"] is None else f"{s['median_traced_vs_plain']}x",
            f"{sum(1 for p in pristine if p['false_failures'])}/{len(pristine)}" if pristine else "-"]


def _append_suggestions(path: Path, row: dict) -> None:
    """bench/decide.py's input: one line per judged suggestion, grouped by module (bugs of one module
    share tests and code, so cross-validation keeps them in one fold)."""
    with path.open("a", encoding="utf-8") as f:
        for j in row.get("judged", []):
            # The run's failing count, as decide() records it (reports of older tracefix lack it).
            features = {"tests_failing": len(row["failing_reported"]), **j["features"]}
            f.write(json.dumps({"program": f"{row['project']}:{row['module']}", "bug": row["bug"],
                                "source": "projects", "id": j["id"], "origin": j["origin"], "title": j["title"],
                                "features": features, "validation": j["validation"],
                                "p_accept": j["p_accept"], "shown": j["shown"], "correct": j["correct"]}) + "\n")


def _write(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
