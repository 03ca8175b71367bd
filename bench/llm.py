"""Offline only vs offline + LLM on the bug corpus, per feedback level: what does the model add, at what cost?

    python bench/llm.py --base-url http://127.0.0.1:8080/v1 --model qwen2.5-coder-0.5b --sample 12 [--levels trace-blocks]

For every selected corpus program (a scratch copy of bench/corpus/generated, built by
bench/corpus/build.py) the engine's stages run once as `engine.debug` runs them (segment,
discover, traced child run, localize, the offline repair with its time budget, decide): that
is the **offline** condition. Then, on the same run, ranking and offline fixes, each LLM
feedback level -- none (regenerate from the task), error (+ failing test and its error),
trace-lines (+ traced values as a flat log), trace-blocks (LDB: block verdicts + block trace) --
calls ``tracefix.llm.assist`` with the offline fixes (so, as in the editor, the model is asked
for no fix when an offline fix already passes every test, and for block verdicts only when they
can reorder blocks), joins its verdicts and validated fixes, and decides again: the
**offline + LLM** condition. Same programs, same visible tests, same offline result, same
token budget for every level; the tool sees only the visible tests and every fix is judged on
the hidden tests (the corpus's held-back half).

Per condition: fix(shown) = a shown fix passes the hidden tests (as bench/repair.py), fix(any)
= some validated fix does, shown precision, block top-1 (after verdicts), LLM fixes shown and
correct, programs whose fix came only from the model, tokens and requests per program, seconds
per program (the LLM part only; the offline stage is timed once), endpoint errors, runs over
the token budget, programs where a fix was asked of the model at all.
Prints a table and writes bench/results/llm.json (and after every program, so a cut run keeps its rows).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "server"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench.common import CORPUS, load_corpus, program_copy, select, table  # noqa: E402
from tracefix import childrun, decide, discover, localize, repair, segment  # noqa: E402
from tracefix.config import LLMSettings, Settings  # noqa: E402
from tracefix.feedback import FeedbackStore  # noqa: E402
from tracefix.llm import assist, join  # noqa: E402
from tracefix.llm.prompts import LEVELS  # noqa: E402
from tracefix.model import Report  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "llm.json"
OFFLINE = "offline"


def grade(corpus: Path, program: dict, texts: dict[str, str]) -> dict[str, bool]:
    from bench.repair import grade as hidden
    return hidden(corpus, program, texts)


def top1(report: Report, truth: list[int]) -> bool:
    from bench.repair import block_hits
    return block_hits(report, truth)["top1"]


def _decide(report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="tracefix-bench-llm-") as store:  # no user history
        decide.decide(report, Settings(), store=FeedbackStore(store))


def _row(program: dict, condition: str, report: Report, labels: dict[str, bool]) -> dict:
    shown = [s for s in report.suggestions if s.shown]
    llm = [s for s in report.suggestions if s.origin == "llm"]
    return {"id": program["id"], "source": program["source"], "kind": program["kind"], "condition": condition,
            "suggestions": len(report.suggestions), "shown": len(shown),
            "fixed": any(labels.get(s.id, False) for s in shown),
            "fixed_any": any(labels.values()),
            "shown_correct": sum(labels.get(s.id, False) for s in shown),
            "llm_suggestions": len(llm), "llm_shown": sum(s.shown for s in llm),
            "llm_correct": sum(labels.get(s.id, False) for s in llm),
            "llm_shown_correct": sum(s.shown and labels.get(s.id, False) for s in llm),
            "top1": top1(report, program["ground_truth_lines"]),
            "top_block": report.blocks[0].block.id if report.blocks else None}


def one(program: dict, corpus: Path, levels: list[str], settings: Settings) -> list[dict]:
    """The offline row and one row per LLM level, all on the same traced run and offline repair."""
    with program_copy(corpus, program, "tracefix-bench-llm-") as module:
        path = str(module)
        text = module.read_text()
        offline_settings = replace(settings, llm=replace(settings.llm, enabled=False))
        t0 = time.perf_counter()
        seg = segment.segment(text)
        tests = discover.discover(path, text)
        run = childrun.run_tests(path, text, seg, tests, offline_settings)
        base = {"id": program["id"], "source": program["source"], "kind": program["kind"]}
        if not any(t.failing for t in run.tests):
            return [{**base, "condition": c, "skipped": run.error or "no visible test fails"}
                    for c in [OFFLINE] + levels]
        blocks = [b for b in localize.localize(seg, run, text) if b.suspiciousness > 0]
        repaired = repair.repair_and_rank(path, text, seg, tests, run, blocks, offline_settings)
        offline = Report(file=path, python=run.python, tests=run.tests, blocks=repaired.blocks,
                         suggestions=copy.deepcopy(repaired.suggestions), run=run, segmentation=seg)
        _decide(offline)
        offline_seconds = round(time.perf_counter() - t0, 2)
        labels = grade(corpus, program, {s.id: s.new_text for s in offline.suggestions})
        rows = [{**_row(program, OFFLINE, offline, labels), "seconds": offline_seconds, "tokens": 0, "requests": 0}]
        for level in levels:
            t1 = time.perf_counter()
            suggestions = copy.deepcopy(repaired.suggestions)
            result = assist(path, text, seg, tests, run, list(repaired.blocks), settings, feedback=level,
                            offline=suggestions)
            seconds = round(time.perf_counter() - t1, 2)
            report = Report(file=path, python=run.python, tests=run.tests, blocks=list(repaired.blocks),
                            suggestions=suggestions, run=run, segmentation=seg)
            join(report, result)
            _decide(report)
            new = {s.id: s.new_text for s in report.suggestions if s.origin == "llm"}
            level_labels = {**labels, **grade(corpus, program, new)}
            rows.append({**_row(program, level, report, level_labels), "seconds": seconds,
                         "tokens": result.tokens, "requests": result.requests, "rounds": result.rounds,
                         "fix_asked": not any(s.startswith("fix:") for s in result.skipped),
                         "skipped_asks": result.skipped, "messages": result.messages,
                         "over_budget": result.tokens > settings.llm.max_tokens_per_run})
        return rows


def summarize(rows: list[dict], offline_rows: dict[str, dict]) -> dict:
    done = [r for r in rows if "skipped" not in r]
    n = len(done)
    rate = lambda k: round(sum(bool(r[k]) for r in done) / n, 3) if n else None  # noqa: E731
    shown = sum(r["shown"] for r in done)
    out = {
        "programs": n,
        "fix_rate": rate("fixed"), "fix_rate_any": rate("fixed_any"),
        "shown": shown,
        "shown_precision": round(sum(r["shown_correct"] for r in done) / shown, 3) if shown else None,
        "top1": rate("top1"),
        "llm_suggestions": sum(r["llm_suggestions"] for r in done),
        "llm_shown": sum(r["llm_shown"] for r in done),
        "llm_shown_correct": sum(r["llm_shown_correct"] for r in done),
        "llm_correct": sum(r["llm_correct"] for r in done),
        "tokens_mean": round(statistics.mean(r["tokens"] for r in done)) if n else None,
        "tokens_max": max((r["tokens"] for r in done), default=None),
        "requests_mean": round(statistics.mean(r["requests"] for r in done), 2) if n else None,
        "seconds_median": round(statistics.median(r["seconds"] for r in done), 1) if n else None,
        "seconds_mean": round(statistics.mean(r["seconds"] for r in done), 1) if n else None,
    }
    if done and done[0]["condition"] != OFFLINE:
        base = [offline_rows[r["id"]] for r in done]
        out.update({
            "fix_asked": sum(r["fix_asked"] for r in done),
            "endpoint_errors": sum(any("offline results only" in m for m in r["messages"]) for r in done),
            "over_budget": sum(r["over_budget"] for r in done),
            # What the model changed relative to offline only, program by program.
            "fixes_gained": sum(r["fixed"] and not b["fixed"] for r, b in zip(done, base)),
            "fixes_lost": sum(b["fixed"] and not r["fixed"] for r, b in zip(done, base)),
            "top1_gained": sum(r["top1"] and not b["top1"] for r, b in zip(done, base)),
            "top1_lost": sum(b["top1"] and not r["top1"] for r, b in zip(done, base)),
        })
    return out


def write(args, rows: list[dict], conditions: list[str], complete: bool, wall: float) -> dict:
    offline_rows = {r["id"]: r for r in rows if r["condition"] == OFFLINE and "skipped" not in r}
    summary = {c: summarize([r for r in rows if r["condition"] == c], offline_rows) for c in conditions}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "command": "bench/llm.py " + " ".join(args.argv), "complete": complete,
        "model": args.model, "base_url": args.base_url, "corpus": str(args.corpus),
        "sample": args.sample, "seed": args.seed, "limit": args.limit, "stride": args.stride, "source": args.source,
        "samples": args.samples, "rounds": args.rounds, "max_tokens": args.max_tokens, "timeout": args.timeout,
        "repair_budget_seconds": args.budget, "machine_cores": os.cpu_count(), "wall_seconds": round(wall, 1),
        "summary": summary, "rows": rows}, indent=1) + "\n")
    return summary


def print_table(summary: dict) -> None:
    headers = ["condition", "n", "fix(shown)", "fix(any)", "shown", "shown prec", "top1", "LLM fixes shown/ok",
               "gained/lost", "tokens/prog", "req/prog", "median s", "fix asked", "errors", "over budget"]
    body = []
    for c, s in summary.items():
        llm = c != OFFLINE
        body.append([c, s["programs"], s["fix_rate"], s["fix_rate_any"], s["shown"], s["shown_precision"], s["top1"],
                     f"{s['llm_shown_correct']}/{s['llm_shown']}" if llm else None,
                     f"+{s['fixes_gained']}/-{s['fixes_lost']}" if llm else None,
                     s["tokens_mean"] if llm else None, f"{s['requests_mean']:.2f}" if llm else None,
                     f"{s['seconds_median']:.1f}" if s["seconds_median"] is not None else None,
                     s.get("fix_asked"), s.get("endpoint_errors"), s.get("over_budget")])
    print(table(headers, body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default=os.environ.get("TRACEFIX_LLM_BASE_URL", ""))
    ap.add_argument("--model", default=os.environ.get("TRACEFIX_LLM_MODEL", ""))
    ap.add_argument("--api-key-env", default="OPENAI_API_KEY")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--sample", type=int, default=0, help="seeded sample of N programs split across sources, "
                                                          "as bench/repair.py --sample")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=20, help="first N programs after sampling (0 = all)")
    ap.add_argument("--stride", type=int, default=1, help="take every Nth program (spread over more problems)")
    ap.add_argument("--source", default=None, help="only programs whose source is this (humaneval, refactory)")
    ap.add_argument("--ids", default="", help="only these comma-separated program ids (e.g. a rerun of some)")
    ap.add_argument("--levels", default="trace-blocks", help=f"comma-separated, of: {', '.join(LEVELS)}")
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per LLM request")
    ap.add_argument("--max-tokens", type=int, default=6000, help="token budget per program and level")
    ap.add_argument("--budget", type=float, default=10.0, help="offline repair time budget per program (seconds)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    if not args.base_url or not args.model:
        print("error: --base-url and --model are required (or TRACEFIX_LLM_BASE_URL / TRACEFIX_LLM_MODEL)",
              file=sys.stderr)
        return 2
    levels = [lv.strip() for lv in args.levels.split(",") if lv.strip()]
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        print(f"error: unknown level {bad[0]!r}; use {', '.join(LEVELS)}", file=sys.stderr)
        return 2
    if not (args.corpus / "index.json").exists():
        print(f"error: no corpus at {args.corpus}; build it with: python bench/corpus/build.py", file=sys.stderr)
        return 2
    programs = select(load_corpus(args.corpus), args.sample, 0, args.seed, args.source)
    if args.ids:
        wanted = {i.strip() for i in args.ids.split(",") if i.strip()}
        programs = [p for p in programs if p["id"] in wanted]
    programs = programs[::max(1, args.stride)]
    if args.limit:
        programs = programs[:args.limit]
    llm = LLMSettings(enabled=True, base_url=args.base_url, model=args.model, api_key_env=args.api_key_env,
                      timeout=args.timeout, samples=args.samples, rounds=args.rounds,
                      max_tokens_per_run=args.max_tokens)
    settings = replace(Settings(repair_seconds=args.budget), llm=llm)
    conditions = [OFFLINE] + levels
    rows: list[dict] = []
    t0 = time.perf_counter()
    for n, program in enumerate(programs, 1):
        for row in one(program, args.corpus, levels, settings):
            rows.append(row)
            print(f"[{n}/{len(programs)}] {program['id']:<12} {row['condition']:<12} "
                  + (row.get("skipped") or f"shown={row['shown']} fix={row['fixed']} any={row['fixed_any']} "
                     f"top1={row['top1']} llm={row['llm_suggestions']} tokens={row['tokens']} "
                     f"{row['seconds']}s " + " | ".join(row.get("messages", []))[:160]),
                  file=sys.stderr, flush=True)
        write(args, rows, conditions, False, time.perf_counter() - t0)
    summary = write(args, rows, conditions, True, time.perf_counter() - t0)
    print_table(summary)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
