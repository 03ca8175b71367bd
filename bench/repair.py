"""Localization and repair on the bug corpus, against a line-level Ochiai baseline.

For each corpus program (a copy in a scratch folder), run the real engine
(`tracefix.engine.debug`) with a repair time budget and measure:
  detection     the engine reports at least one failing test
  top-1 / top-3 a ground-truth line lies in one of the k best-ranked blocks (the innermost
                block holding the line, as the segmenter defines it)
  fix           a *shown* suggestion's new text passes the hidden tests (graded in a
                limited child process by bench/corpus/runner.py); "fix (any)" counts every
                suggestion, shown or not
  shown prec.   shown suggestions that pass the hidden tests / shown suggestions
  prec (restoring)  the same, where a shown suggestion that exactly puts back one of the program's injected
                mutations (and changes nothing else) also counts as correct: with two bugs and one caught by no
                visible test, that partial fix is right and the hidden tests still fail
  time          wall time of debug() per program
Baseline: per-test line coverage (coverage.py contexts, in a child process, FauxPy-style),
lines ranked by Ochiai; top-k uses random tie-breaking in expectation (k - better) / tied,
since a block's lines always tie. Line-order tie-breaking is in the JSON too.

Writes bench/results/repair.json (summary + per program) and
bench/results/repair_suggestions.jsonl (one line per suggestion: features, p_accept, shown,
origin and the label `correct`) for the decide stage.

Usage: .venv/bin/python bench/repair.py [--sample N] [--limit N] [--seed S] [--budget SECONDS]
                                        [--source humaneval|refactory] [--no-baseline] [--exclude-sample N]
                                        [--exclude-fit] [--exclude-from FILE ...] [--programs-from FILE]
                                        [--no-switch] [--no-replace]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CORPUS, RESULTS, ROOT, load_corpus, median, program_copy, rate, select, table  # noqa: E402

LINE_SPECTRA = ROOT / "bench" / "corpus" / "line_spectra.py"
HIDDEN_TIMEOUT = 2.0  # seconds per hidden test snippet (HumanEval checks loop up to 100 times)


def grade(corpus: Path, program: dict, texts: dict[str, str]) -> dict[str, bool]:
    """Suggestion id → passes every hidden test."""
    from bench.corpus.runner import run_jobs

    if not texts:
        return {}
    hidden = json.loads((corpus / "hidden" / f"{program['id']}.json").read_text())
    jobs = [{"id": key, "module": hidden["module"], "source": text, "timeout": HIDDEN_TIMEOUT,
             "tests": hidden["tests"]} for key, text in texts.items()]
    graded = run_jobs(jobs, batch_size=8)
    return {key: row["load"] == "ok" and bool(row["results"]) and all(o == "passed" for o in row["results"].values())
            for key, row in graded.items()}


def block_hits(report, truth: list[int]) -> dict[str, bool]:
    """Top-k hits of the engine's ranked blocks (in the order it reports them)."""
    seg = report.segmentation
    truth_blocks = {b.id for b in (seg.block_at(line) for line in truth) if b is not None} if seg else set()
    ranked = [sb.block.id for sb in sorted(report.blocks, key=lambda sb: -sb.suspiciousness)]
    return {f"top{k}": bool(truth_blocks & set(ranked[:k])) for k in (1, 3)}


def agreement(report, labels: dict[str, bool]) -> dict:
    """For the first shown fix: does the report's top-ranked block hold its edit, and is it a multi-edit fix."""
    from tracefix.localize import edited_blocks

    shown = next((s for s in report.suggestions if s.shown), None)
    if shown is None or report.segmentation is None:
        return {}
    edited = edited_blocks(report.segmentation, shown.edits)
    top = report.blocks[0].block.id if report.blocks else None
    multi = int(shown.features.get("edits", 1) or 1) > 1
    return {"agree": top in edited, "multi_edit_shown": multi,
            "multi_edit_correct": multi and labels.get(shown.id, False)}


def restores(corpus: Path, program: dict, text: str, new_text: str) -> bool:
    """The edit puts back, exactly, what the corpus mutated on some of the program's lines and changes nothing
    else: the repair of one of a double bug's two bugs, which the hidden tests judge wrong while the other stays."""
    meta = json.loads((corpus / program["dir"] / "meta.json").read_text())
    original = {m["line"]: m["original"].strip() for m in meta.get("mutations", []) if "original" in m}
    old, new = text.splitlines(), new_text.splitlines()
    if not original or len(old) != len(new):
        return False
    changed = [i + 1 for i, (a, b) in enumerate(zip(old, new)) if a != b]
    return bool(changed) and all(line in original and new[line - 1].strip() == original[line] for line in changed)


def line_baseline(folder: Path, module: str, truth: list[int], timeout: float = 60.0) -> dict:
    """Ochiai over per-test line spectra of the visible tests."""
    try:
        proc = subprocess.run([sys.executable, str(LINE_SPECTRA), str(folder / f"{module}.py")], cwd=folder,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError) as exc:
        return {"error": type(exc).__name__}
    outcomes, lines = data["outcomes"], data["lines"]
    failing = [t for t, o in outcomes.items() if o == "failed"]
    if not failing:
        return {"error": "no failing test"}
    scores: dict[int, float] = {}
    executed = {line for covered in lines.values() for line in covered}
    for line in executed:
        ef = sum(1 for t in failing if line in lines.get(t, ()))
        ep = sum(1 for t, o in outcomes.items() if o == "passed" and line in lines.get(t, ()))
        scores[line] = ef / math.sqrt(len(failing) * (ef + ep)) if ef else 0.0
    ranked = sorted(scores, key=lambda line: (-scores[line], line))
    out = {"lines_ranked": len(ranked)}
    for k in (1, 3):
        out[f"top{k}_line_order"] = any(line in ranked[:k] for line in truth)
        best = 0.0
        for line in truth:
            if line not in scores or scores[line] == 0.0:
                continue
            better = sum(1 for s in scores.values() if s > scores[line])
            tied = sum(1 for s in scores.values() if s == scores[line])
            best = max(best, min(1.0, max(0.0, (k - better) / tied)))
        out[f"top{k}"] = round(best, 4)
    return out


def run_program(corpus: Path, program: dict, settings, baseline: bool, suggestions_out) -> dict:
    from tracefix.engine import Request, debug

    row = {"id": program["id"], "source": program["source"], "kind": program["kind"],
           "ground_truth_lines": program["ground_truth_lines"], "operators": program["operators"]}
    with program_copy(corpus, program, "tracefix-bench-") as path:
        text = path.read_text()
        t0 = time.perf_counter()
        try:
            report = debug(Request(str(path), settings=settings))
        except Exception as exc:  # noqa: BLE001 - one broken run must not end the benchmark
            row.update(error=f"{type(exc).__name__}: {exc}", seconds=round(time.perf_counter() - t0, 3))
            return row
        row["seconds"] = round(time.perf_counter() - t0, 3)
        row["error"] = report.error or None
        row["detected"] = bool(report.failing)
        row["tests"] = len(report.tests)
        row.update(block_hits(report, program["ground_truth_lines"]))
        row["top_blocks"] = [[sb.block.id, sb.block.start_line, sb.block.end_line, round(sb.suspiciousness, 4)]
                             for sb in report.blocks[:3]]
        labels = grade(corpus, program, {s.id: s.new_text for s in report.suggestions})
        row["suggestions"] = len(report.suggestions)
        row["shown"] = sum(s.shown for s in report.suggestions)
        row["shown_correct"] = sum(s.shown and labels.get(s.id, False) for s in report.suggestions)
        row["fixed"] = row["shown_correct"] > 0
        row["shown_restoring"] = sum(s.shown and not labels.get(s.id, False) and restores(corpus, program, text, s.new_text)
                                     for s in report.suggestions)
        row["fixed_any"] = any(labels.values())
        row.update(agreement(report, labels))
        for s in report.suggestions:
            v = s.validation
            suggestions_out.write(json.dumps({
                "program": program["id"], "source": program["source"], "kind": program["kind"], "id": s.id,
                "origin": s.origin, "title": s.title,
                "features": {k: val for k, val in s.features.items() if k not in ("display", "key", "feedback")},
                "validation": {"fixed": v.fixed, "broken": v.broken, "passed": v.passed, "total": v.total}
                if v else None,
                "p_accept": s.p_accept, "shown": s.shown, "correct": labels.get(s.id, False)}, default=str) + "\n")
        suggestions_out.flush()
        if baseline:
            row["line_baseline"] = line_baseline(path.parent, program["module"], program["ground_truth_lines"])
    return row


def summarize(rows: list[dict]) -> dict:
    ok = [r for r in rows if "detected" in r]
    base = [r["line_baseline"] for r in ok if "line_baseline" in r and "error" not in r["line_baseline"]]
    shown = sum(r["shown"] for r in ok)
    return {
        "programs": len(rows),
        "engine_errors": len(rows) - len(ok),
        "detection": rate(sum(r["detected"] for r in ok), len(rows)),
        "top1": rate(sum(r["top1"] for r in ok), len(rows)),
        "top3": rate(sum(r["top3"] for r in ok), len(rows)),
        "line_top1": round(sum(b["top1"] for b in base) / len(base), 4) if base else None,
        "line_top3": round(sum(b["top3"] for b in base) / len(base), 4) if base else None,
        "line_top1_line_order": rate(sum(b["top1_line_order"] for b in base), len(base)),
        "line_top3_line_order": rate(sum(b["top3_line_order"] for b in base), len(base)),
        "baseline_programs": len(base),
        "fix_rate": rate(sum(r["fixed"] for r in ok), len(rows)),
        "fix_rate_any": rate(sum(r["fixed_any"] for r in ok), len(rows)),
        "shown": shown,
        "shown_precision": rate(sum(r["shown_correct"] for r in ok), shown),
        # A shown fix that fails hidden tests but exactly undoes one of the program's injected bugs counts as right.
        "shown_precision_restoring": rate(sum(r["shown_correct"] + r.get("shown_restoring", 0) for r in ok), shown),
        "median_seconds": median([r["seconds"] for r in rows if "seconds" in r]),
        # The report's top block is the one the first shown fix edits (programs with a shown fix).
        "agreement": rate(sum(bool(r.get("agree")) for r in ok if "agree" in r), sum(1 for r in ok if "agree" in r)),
        "multi_edit_shown": sum(bool(r.get("multi_edit_shown")) for r in ok),
        "multi_edit_correct": sum(bool(r.get("multi_edit_correct")) for r in ok),
    }


GROUPS = [
    ("all", lambda r: True),
    ("humaneval single", lambda r: r["source"] == "humaneval" and r["kind"] == "single"),
    ("humaneval double", lambda r: r["source"] == "humaneval" and r["kind"] == "double"),
    ("refactory", lambda r: r["source"] == "refactory"),
    ("single-edit", lambda r: r["kind"] == "single" or (r["kind"] == "student" and len(r["ground_truth_lines"]) == 1)),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Localization and repair on the bug corpus.")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--sample", type=int, default=0, help="seeded sample of N programs, split across sources")
    ap.add_argument("--limit", type=int, default=0, help="only the first N (after sampling)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", choices=("humaneval", "refactory"))
    ap.add_argument("--budget", type=float, default=10.0, help="repair time budget per program (seconds)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the line-level Ochiai baseline")
    ap.add_argument("--no-switch", action="store_true",
                    help="no predicate switching (repair/switch.py): the localization A/B's 'before'")
    ap.add_argument("--no-replace", action="store_true",
                    help="no value replacement (repair/replace.py): that probe's A/B 'before'")
    ap.add_argument("--exclude-sample", type=int, default=0, metavar="N",
                    help="leave out the programs of `--sample N --seed 1` (the evaluation sample), e.g. to "
                         "collect decide-training rows that the evaluation never sees")
    ap.add_argument("--exclude-fit", action="store_true",
                    help="also leave out every program with a row in bench/results/decide_suggestions.jsonl "
                         "(what the decide model was fitted on): with --exclude-sample 40 and another --seed, a "
                         "second evaluation sample")
    ap.add_argument("--exclude-from", type=Path, action="append", default=[], metavar="FILE",
                    help="leave out the programs of an earlier run (its repair.json or suggestions .jsonl); "
                         "repeatable: keeps a new sample apart from every sample already looked at")
    ap.add_argument("--programs-from", type=Path, metavar="FILE",
                    help="run exactly the programs of an earlier run (its repair.json or suggestions .jsonl), "
                         "e.g. to re-measure a sample whose --exclude-fit selection has since moved")
    ap.add_argument("--out", type=Path, default=RESULTS / "repair.json")
    ap.add_argument("--suggestions", type=Path, default=RESULTS / "repair_suggestions.jsonl")
    args = ap.parse_args(argv)

    from tracefix.config import Settings

    if args.no_switch:
        import tracefix.repair.switch as switch
        switch.MAX_SWITCHES = 0
    if args.no_replace:
        import tracefix.repair.replace as replace
        replace.MAX_REPLACEMENTS = 0
    corpus = load_corpus(args.corpus)
    if args.exclude_sample:
        held = {p["id"] for p in select(corpus, args.exclude_sample, 0, 1)}
        corpus = [p for p in corpus if p["id"] not in held]
    excluded = set().union(*(program_ids(path) for path in args.exclude_from))
    if args.exclude_fit:
        excluded |= program_ids(RESULTS / "decide_suggestions.jsonl")
    corpus = [p for p in corpus if p["id"] not in excluded]
    if args.programs_from:
        wanted = program_ids(args.programs_from)
        corpus = [p for p in corpus if p["id"] in wanted]
    programs = select(corpus, args.sample, args.limit, args.seed, args.source)
    settings = Settings(repair_seconds=args.budget)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    t0 = time.perf_counter()
    with open(args.suggestions, "w", encoding="utf-8") as sugg:
        for i, program in enumerate(programs, 1):
            row = run_program(args.corpus, program, settings, not args.no_baseline, sugg)
            rows.append(row)
            mark = lambda key: "+" if row.get(key) else "-"  # noqa: E731
            print(f"[{i}/{len(programs)}] {program['id']:<12} detect{mark('detected')} top1{mark('top1')} "
                  f"top3{mark('top3')} fix{mark('fixed')} shown={row.get('shown', 0)} {row.get('seconds', 0):.1f}s"
                  + (f"  ERROR {row['error']}" if row.get("error") else ""), file=sys.stderr, flush=True)
            report(rows, args, settings, argv, t0, complete=False)
    report(rows, args, settings, argv, t0, complete=True)
    return 0


def program_ids(path: Path) -> set[str]:
    """The program ids of an earlier run: a repair.json's ``programs`` or a suggestions file's lines."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return {json.loads(line)["program"] for line in text.splitlines() if line.strip()}
    return {row["id"] for row in json.loads(text)["programs"]}


def report(rows: list[dict], args, settings, argv, t0: float, complete: bool) -> None:
    """Write repair.json (also after every program, so an interrupted run keeps its rows);
    print the tables when the run is complete."""
    summary = {name: summarize([r for r in rows if keep(r)]) for name, keep in GROUPS}
    # Per injected operator (single bugs only), so the repair engine's blind spots are visible.
    operators = sorted({r["operators"][0] for r in rows if r["kind"] == "single"})
    by_operator = {op: summarize([r for r in rows if r["kind"] == "single" and r["operators"] == [op]])
                   for op in operators}
    result = {
        "command": "bench/repair.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "complete": complete,
        "settings": {"budget_seconds": args.budget, "sample": args.sample, "limit": args.limit, "seed": args.seed,
                     "source": args.source, "precision": settings.precision, "workers": settings.workers},
        "corpus_seed": json.loads((args.corpus / "index.json").read_text()).get("seed"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "summary": summary,
        "by_operator": {op: {k: s[k] for k in ("programs", "top1", "top3", "line_top1", "fix_rate", "fix_rate_any")}
                        for op, s in by_operator.items()},
        "programs": rows,
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    if not complete:
        return
    headers = ["programs", "n", "detect", "top1", "top3", "line top1", "line top3", "fix(shown)", "fix(any)",
               "shown", "shown prec", "prec (restoring)", "agree", "multi-edit ok/shown", "median s"]
    body = [[name, s["programs"], s["detection"], s["top1"], s["top3"], s["line_top1"], s["line_top3"],
             s["fix_rate"], s["fix_rate_any"], s["shown"], s["shown_precision"], s["shown_precision_restoring"],
             s["agreement"],
             f"{s['multi_edit_correct']}/{s['multi_edit_shown']}",
             f"{s['median_seconds']:.1f}" if s["median_seconds"] is not None else None]
            for name, s in summary.items() if s["programs"]]
    print(table(headers, body))
    if by_operator:
        print()
        print(table(["single bug: operator", "n", "top1", "top3", "line top1", "fix(shown)", "fix(any)"],
                    [[op, s["programs"], s["top1"], s["top3"], s["line_top1"], s["fix_rate"], s["fix_rate_any"]]
                     for op, s in by_operator.items()]))
    print(f"wrote {args.out} and {args.suggestions}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
