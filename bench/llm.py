"""LLM repair over the bug corpus, per feedback level: does showing the model block traces help?

    python bench/llm.py --base-url http://127.0.0.1:8080/v1 --model qwen2.5-coder-0.5b [--limit 20]

For every corpus program (bench/corpus/generated, built by bench/corpus/build.py) and every
feedback level -- none (regenerate from the task), error (+ failing test and its error),
trace-lines (+ traced values as a flat log), trace-blocks (LDB: block verdicts + block trace) --
the real pipeline runs (segment, discover, traced child run, offline localization), then
``tracefix.llm.assist`` asks the model, validates its fixes on the visible tests, and the
decide stage picks what to show. The best validated fix counts as correct when the *hidden* tests
pass; "fix rate" is that share of programs, whether or not the precision knob shows the fix, and
"precision" is the share of shown fixes that are correct.
Prints a table and writes bench/results/llm.json.
"""
from __future__ import annotations

import argparse
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

from tracefix import decide, discover, localize, segment, childrun  # noqa: E402
from tracefix.config import LLMSettings, Settings  # noqa: E402
from tracefix.feedback import FeedbackStore  # noqa: E402
from tracefix.llm import assist  # noqa: E402
from tracefix.llm.prompts import LEVELS  # noqa: E402
from tracefix.model import Report  # noqa: E402

CORPUS = ROOT / "bench" / "corpus" / "generated"
RESULTS = ROOT / "bench" / "results" / "llm.json"


def hidden_pass(program_dir: Path, corpus: Path, pid: str, text: str) -> bool:
    """Does ``text`` pass the program's hidden tests (run in a limited child)?"""
    from bench.corpus.runner import run_jobs
    hidden = json.loads((corpus / "hidden" / f"{pid}.json").read_text())
    job = {"id": pid, "module": hidden["module"], "source": text, "timeout": 3.0, "tests": hidden["tests"]}
    row = run_jobs([job], batch_size=1)[pid]
    return row["load"] == "ok" and all(o == "passed" for o in row["results"].values())


def one(program: dict, corpus: Path, level: str, settings: Settings, store_dir: str) -> dict:
    folder = corpus / program["dir"]
    path = str(folder / f"{program['module']}.py")
    text = Path(path).read_text()
    seg = segment.segment(text)
    tests = discover.discover(path, text)
    run = childrun.run_tests(path, text, seg, tests, settings)
    row = {"id": program["id"], "level": level, "kind": program.get("kind", "")}
    failing = [t for t in run.tests if t.failing]
    if not failing:
        return {**row, "skipped": "no visible test fails"}
    blocks = localize.localize(seg, run, text)
    t0 = time.perf_counter()
    result = assist(path, text, seg, tests, run, blocks, settings, feedback=level)
    seconds = time.perf_counter() - t0
    report = Report(file=path, python=run.python, tests=run.tests, blocks=result.blocks,
                    suggestions=result.suggestions, run=run, segmentation=seg)
    decide.decide(report, settings, store=FeedbackStore(store_dir))
    shown = [s for s in report.suggestions if s.shown]
    validated = bool(result.suggestions)
    best = shown[0] if shown else (report.suggestions[0] if report.suggestions else None)
    correct = hidden_pass(folder, corpus, program["id"], best.new_text) if best else False
    truth = set(program.get("ground_truth_lines") or [])
    top = result.blocks[0].block if result.blocks else None
    return {**row, "validated": validated, "shown": bool(shown), "correct": correct,
            "top1": bool(top and any(top.contains(l) for l in truth)),
            "tokens": result.tokens, "requests": result.requests, "rounds": result.rounds,
            "seconds": round(seconds, 2), "messages": result.messages,
            "agreement": shown[0].features.get("sample_agreement") if shown else None}


def summarize(rows: list[dict]) -> dict:
    done = [r for r in rows if "skipped" not in r]
    shown = [r for r in done if r["shown"]]
    return {
        "programs": len(done),
        "validated_rate": round(sum(r["validated"] for r in done) / len(done), 3) if done else None,
        "fix_rate": round(sum(r["correct"] for r in done) / len(done), 3) if done else None,
        "shown": len(shown),
        "shown_precision": round(sum(r["correct"] for r in shown) / len(shown), 3) if shown else None,
        "shown_fix_rate": round(sum(r["correct"] for r in shown) / len(done), 3) if done else None,
        "top1_after_verdicts": round(sum(r["top1"] for r in done) / len(done), 3) if done else None,
        "tokens_mean": round(statistics.mean(r["tokens"] for r in done)) if done else None,
        "seconds_median": round(statistics.median(r["seconds"] for r in done), 1) if done else None,
        "endpoint_errors": sum(any("offline results only" in m for m in r["messages"]) for r in done),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default=os.environ.get("TRACEFIX_LLM_BASE_URL", ""))
    ap.add_argument("--model", default=os.environ.get("TRACEFIX_LLM_MODEL", ""))
    ap.add_argument("--api-key-env", default="OPENAI_API_KEY")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--limit", type=int, default=20, help="first N programs of the corpus (0 = all)")
    ap.add_argument("--stride", type=int, default=1, help="take every Nth program (spread over more problems)")
    ap.add_argument("--source", default="", help="only programs whose source is this (humaneval, refactory)")
    ap.add_argument("--levels", default=",".join(LEVELS))
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per LLM request")
    ap.add_argument("--max-tokens", type=int, default=6000, help="token budget per program and level")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if not args.base_url or not args.model:
        print("error: --base-url and --model are required (or TRACEFIX_LLM_BASE_URL / TRACEFIX_LLM_MODEL)",
              file=sys.stderr)
        return 2
    levels = [lv.strip() for lv in args.levels.split(",") if lv.strip()]
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        print(f"error: unknown level {bad[0]!r}; use {', '.join(LEVELS)}", file=sys.stderr)
        return 2
    index = args.corpus / "index.json"
    if not index.exists():
        print(f"error: no corpus at {args.corpus}; build it with: python bench/corpus/build.py", file=sys.stderr)
        return 2
    programs = json.loads(index.read_text())["programs"]
    if args.source:
        programs = [p for p in programs if p.get("source") == args.source]
    programs = programs[::max(1, args.stride)]
    if args.limit:
        programs = programs[:args.limit]
    llm = LLMSettings(enabled=True, base_url=args.base_url, model=args.model, api_key_env=args.api_key_env,
                      timeout=args.timeout, samples=args.samples, rounds=args.rounds,
                      max_tokens_per_run=args.max_tokens)
    settings = replace(Settings(), llm=llm)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="tracefix-bench-llm-") as store_dir:
        for n, program in enumerate(programs, 1):
            for level in levels:
                row = one(program, args.corpus, level, settings, store_dir)
                rows.append(row)
                print(f"[{n}/{len(programs)}] {program['id']:<40} {level:<12} "
                      + (row.get("skipped") or f"validated={row['validated']} shown={row['shown']} "
                         f"correct={row['correct']} tokens={row['tokens']} {row['seconds']}s"),
                      file=sys.stderr, flush=True)
    summary = {level: summarize([r for r in rows if r["level"] == level]) for level in levels}
    head = f"{'level':<13}{'programs':>9}{'validated':>10}{'fix rate':>9}{'shown':>6}{'precision':>10}" \
           f"{'top-1':>7}{'tokens':>8}{'median s':>9}{'errors':>7}"
    print(head)
    for level, s in summary.items():
        pct = lambda v: "-" if v is None else f"{v:.0%}"  # noqa: E731
        print(f"{level:<13}{s['programs']:>9}{pct(s['validated_rate']):>10}{pct(s['fix_rate']):>9}"
              f"{s['shown']:>6}{pct(s['shown_precision']):>10}{pct(s['top1_after_verdicts']):>7}"
              f"{s['tokens_mean'] or '-':>8}{s['seconds_median'] or '-':>9}{s['endpoint_errors']:>7}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "model": args.model, "base_url": args.base_url, "corpus": str(args.corpus), "limit": args.limit, "stride": args.stride,
        "samples": args.samples, "rounds": args.rounds, "max_tokens": args.max_tokens,
        "machine_cores": os.cpu_count(), "summary": summary, "rows": rows}, indent=1) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
