"""How good are the explanations tracefix shows? Issue 16's four measures over the repair corpus.

For a seeded sample of corpus programs (a copy of each in a scratch folder), run the real engine
(`tracefix.engine.debug`) and record, for every *offered* fix (validated: it makes a failing test
pass and breaks none) and for the top suspect block, the sentence a user reads. Then measure the
share of those sentences that
  (a) faithful    quote only values and identifiers found in the failing tests' traces (their
                  values, messages, comparisons) or in the document (before or after the edit)
  (b) short       fit the budget: at most two sentences and 45 words
  (c) specific    name a failing input value (an argument of a call, in a failing test the fix
                  fixes, of the edited function) and the changed expression (fixes only)
  (d) clean       contain no internal block id (`name:B4`) and no score
The facts (c) checks against are computed here from the trace and the diff, not by the code under
test. Shown fixes are few after the decide step, so both are reported: shown fixes and every
offered (validated) fix.

Usage: .venv/bin/python bench/explain.py [--sample N] [--seed S] [--budget SECONDS]
           [--label after] [--examples before.jsonl]
Writes bench/results/explain-<label>.jsonl (one record per program), bench/results/explain.json
(the measures; with --label after) and, with --examples, twenty before/after pairs in
bench/results/explain-examples.md.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CORPUS, RESULTS, load_corpus, program_copy, rate, select, table  # noqa: E402

MAX_WORDS = 45
MAX_SENTENCES = 2
INTERNAL = re.compile(r"\b[\w.<>]+:B\d+\b|suspiciousness|suspect #\d|\bscore \d|"
                      r"\bp=\d|\brun by \d+ of \d+ failing")


# --- collection (runs the engine; independent of how explanations are written) -----------------

def trace_strings(report, test_ids: set[str]) -> list[str]:
    """Every value the failing tests' traces and results hold, as text."""
    out: set[str] = set()
    for t in report.tests:
        if t.id not in test_ids:
            continue
        out.add(t.id)
        out.add(t.message or "")
        out.update((t.comparison or {}).values())
        out.update(str(v) for v in (t.exception or {}).values())
    for tid in test_ids:
        for _, v in (report.run.traces.get(tid, []) if report.run else []):
            out.update(v.before.values())
            out.update(v.after.values())
            out.update(x for x in (v.returned, v.raised) if x is not None)
    return sorted(s for s in out if s)


def changed_fragments(old_text: str, new_text: str) -> tuple[int, str, str]:
    """(line, old, new) of the first changed line pair, trimmed to the differing middle (whole tokens)."""
    a, b = old_text.splitlines(), new_text.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        old = a[i1].strip() if i1 < i2 else ""
        new = b[j1].strip() if j1 < j2 else ""
        if old and new:
            ta, tb = re.findall(r"\w+|\S", old), re.findall(r"\w+|\S", new)
            p = len(os.path.commonprefix([ta, tb]))
            s = len(os.path.commonprefix([ta[p:][::-1], tb[p:][::-1]]))
            return i1 + 1, "".join(ta[p:len(ta) - s]), "".join(tb[p:len(tb) - s])
        return i1 + 1, old.replace(" ", ""), new.replace(" ", "")
    return 0, "", ""


def failing_inputs(report, line: int, test_ids: list[str]) -> list[str]:
    """Argument values of every call, in the fixed failing tests, of the function holding ``line``."""
    seg = report.segmentation
    if seg is None or report.run is None:
        return []
    block = seg.block_at(line)
    fn = next((f for f in seg.functions if block and f.name == block.function), None)
    if fn is None:
        return []
    names = [p for p in fn.params if p not in ("self", "cls")]
    ids = {b.id for b in seg.blocks if b.function == fn.name}
    out: list[str] = []
    for tid in test_ids:
        seen = set()
        for bid, v in report.run.traces.get(tid, []):
            if bid in ids and (v.call, v.depth) not in seen:  # a call's first visit holds its arguments
                seen.add((v.call, v.depth))
                out += [v.before[p] for p in names if p in v.before and v.before[p] not in out]
    return out


def sentence_record(s, report, text: str) -> dict:
    v = s.validation
    fixed = [t for t in (v.fixed if v else [])]
    line, old, new = changed_fragments(text, s.new_text)
    return {"id": s.id, "origin": s.origin, "shown": s.shown, "title": s.title,
            "explanation": s.explanation, "details": getattr(s, "details", ""),
            "source": s.features.get("explanation_source", ""), "llm_prose": s.features.get("llm_prose", ""),
            "offered": bool(v and v.fixed and not v.broken),
            "changed": [old, new], "line": line, "inputs": failing_inputs(report, line, fixed),
            "evidence": trace_strings(report, set(fixed)), "new_text": s.new_text}


def run_program(corpus: Path, program: dict, settings) -> dict:
    from tracefix.engine import Request, debug

    row = {"program": program["id"], "source": program["source"], "kind": program["kind"]}
    with program_copy(corpus, program, "tracefix-explain-") as path:
        text = path.read_text()
        try:
            report = debug(Request(str(path), settings=settings))
        except Exception as exc:  # noqa: BLE001 - one broken run must not end the benchmark
            return {**row, "error": f"{type(exc).__name__}: {exc}"}
    row["document"] = text
    row["suggestions"] = [sentence_record(s, report, text) for s in report.suggestions]
    if report.blocks and report.failing:
        top = report.blocks[0]
        failing = [t.id for t in report.failing]
        row["top"] = {"explanation": top.explanation, "details": getattr(top, "details", ""),
                      "function": top.block.function, "lines": [top.block.start_line, top.block.end_line],
                      "inputs": failing_inputs(report, top.block.start_line, failing),
                      "evidence": trace_strings(report, set(failing))}
    return row


# --- measures -------------------------------------------------------------------------------

def words(sentence: str) -> int:
    return len(sentence.split())


def sentences(text: str) -> int:
    # Sentence ends outside backticks: "`1.5`" or "`x.y`" is not an end.
    plain = re.sub(r"`[^`]*`", "x", text)
    return len([s for s in re.split(r"(?<=[.!?])\s+", plain.strip()) if s])


def names_input(text: str, inputs: list[str]) -> bool | None:
    """Some argument value is quoted whole, or (a long one) by its first 10+ characters and "…"."""
    if not inputs:
        return None
    cut = [m.group(1) for m in re.finditer(r"`(?:[\w.]+ = )?([^`]{10,})…`", text)]
    return any(v and (v in text or any(v.startswith(c) for c in cut)) for v in inputs)


def names_change(text: str, changed: list[str]) -> bool:
    squeezed = text.replace(" ", "")
    return any(frag and frag in squeezed for frag in changed)


def measure(kind: str, text: str, rec: dict, document: str) -> dict:
    from tracefix.explain import unsupported

    bad = unsupported(text, rec["evidence"], [document, rec.get("new_text", "")])
    out = {"kind": kind, "faithful": not bad, "unsupported": bad, "short": words(text) <= MAX_WORDS
           and sentences(text) <= MAX_SENTENCES, "words": words(text), "clean": not INTERNAL.search(text)}
    if kind != "top":
        has_input = names_input(text, rec["inputs"])
        out["specific"] = (has_input is not False) and names_change(text, rec["changed"])
        out["names_input"] = has_input
    return out


def score(rows: list[dict]) -> tuple[dict, list[dict]]:
    measured = []
    for row in rows:
        if "error" in row:
            continue
        for s in row["suggestions"]:
            if s["offered"] and s["explanation"]:
                m = measure("fix", s["explanation"], s, row["document"])
                measured.append({**m, "program": row["program"], "shown": s["shown"], "origin": s["origin"],
                                 "llm_prose": s.get("llm_prose", "")})
        if row.get("top") and row["top"]["explanation"]:
            rec = {**row["top"], "changed": []}
            measured.append({**measure("top", row["top"]["explanation"], rec, row["document"]),
                             "program": row["program"], "shown": True, "origin": "suspect"})

    def shares(items: list[dict]) -> dict:
        n = len(items)
        spec = [m for m in items if "specific" in m]
        return {"n": n, "faithful": rate(sum(m["faithful"] for m in items), n),
                "short": rate(sum(m["short"] for m in items), n),
                "specific": rate(sum(m["specific"] for m in spec), len(spec)),
                "clean": rate(sum(m["clean"] for m in items), n),
                "median_words": sorted(m["words"] for m in items)[n // 2] if n else None}

    groups = {
        "shown fixes": [m for m in measured if m["kind"] == "fix" and m["shown"]],
        "offered fixes": [m for m in measured if m["kind"] == "fix"],
        "offered fixes (template)": [m for m in measured if m["kind"] == "fix" and m["origin"] == "template"],
        "offered fixes (llm)": [m for m in measured if m["kind"] == "fix" and m["origin"] == "llm"],
        "top suspect": [m for m in measured if m["kind"] == "top"],
    }
    return {name: shares(items) for name, items in groups.items()}, measured


# --- examples -------------------------------------------------------------------------------

def examples(before: list[dict], after: list[dict], n: int = 20) -> str:
    """Markdown: the same offered fix (same program, same edited text) before and after."""
    old = {(r["program"], s["new_text"]): s for r in before if "error" not in r for s in r["suggestions"]}
    old_top = {r["program"]: r.get("top") for r in before if "error" not in r}
    out = ["# Explanations before and after issue 16", "",
           "Before = the wording on the code before the change (`bench/results/explain-before.jsonl`), after = "
           "now (`bench/results/explain-after.jsonl`); the same offered fix of the same corpus program.", ""]
    count = 0
    for r in after:
        if "error" in r:
            continue
        for s in r["suggestions"]:
            prev = old.get((r["program"], s["new_text"]))
            if not prev or not s["offered"] or count >= n:
                continue
            count += 1
            line = s["line"]
            out += [f"## {count}. {r['program']} — {s['title']} ({'shown' if s['shown'] else 'offered'}, "
                    f"{s['origin']}, line {line})", "",
                    f"- **before** ({words(prev['explanation'])} words): {prev['explanation']}",
                    f"- **after** ({words(s['explanation'])} words): {s['explanation']}", ""]
    tops = [(r["program"], old_top.get(r["program"]), r.get("top")) for r in after if "error" not in r]
    tops = [(p, a, b) for p, a, b in tops if a and b][:5]
    if tops:
        out += ["# Top suspect (\"why this block\")", ""]
        for p, a, b in tops:
            out += [f"## {p} — `{b['function']}` lines {b['lines'][0]}-{b['lines'][1]}", "",
                    f"- **before**: {a['explanation']}", f"- **after**: {b['explanation']}", ""]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Measure the explanations tracefix shows.")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--sample", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=float, default=6.0, help="repair time budget per program (seconds)")
    ap.add_argument("--label", default="after", help="names the records file: explain-<label>.jsonl")
    ap.add_argument("--collect-only", action="store_true", help="record sentences, measure nothing")
    ap.add_argument("--rescore", action="store_true", help="measure an existing records file, run nothing")
    ap.add_argument("--examples", type=Path, help="records of the old wording, for before/after examples")
    args = ap.parse_args(argv)

    from tracefix.config import Settings

    records = RESULTS / f"explain-{args.label}.jsonl"
    t0 = time.perf_counter()
    if args.rescore:
        rows = [json.loads(line) for line in records.read_text().splitlines() if line.strip()]
    else:
        programs = select(load_corpus(args.corpus), args.sample, 0, args.seed)
        settings = Settings(repair_seconds=args.budget)
        rows = []
        RESULTS.mkdir(parents=True, exist_ok=True)
        with open(records, "w", encoding="utf-8") as f:
            for i, program in enumerate(programs, 1):
                row = run_program(args.corpus, program, settings)
                rows.append(row)
                f.write(json.dumps(row) + "\n")
                f.flush()
                print(f"[{i}/{len(programs)}] {program['id']:<12} offered="
                      f"{sum(s['offered'] for s in row.get('suggestions', []))}"
                      + (f" ERROR {row['error']}" if row.get("error") else ""), file=sys.stderr, flush=True)
    if args.collect_only:
        return 0
    summary, measured = score(rows)
    keys = ("faithful", "short", "specific", "clean")
    print(table(["sentences", "n", "(a) faithful", "(b) <=45 words", "(c) input+change", "(d) no id/score",
                 "median words"],
                [[name, s["n"], *(s[k] for k in keys), s["median_words"]] for name, s in summary.items()]))
    # An LLM's own prose that quoted something the run did not show: dropped, the trace sentence shown.
    rewritten = sum(1 for m in measured if m.get("llm_prose") == "dropped")
    result = {"command": "bench/explain.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "records": str(records.relative_to(RESULTS.parent.parent)),
              "programs": len(rows), "engine_errors": sum(1 for r in rows if "error" in r),
              "targets": {"faithful": 1.0, "short": 0.95, "specific": 0.9, "clean": 1.0},
              "summary": summary, "llm_prose_dropped": rewritten,
              "failures": [m for m in measured if not (m["faithful"] and m["short"] and m["clean"]
                                                        and m.get("specific", True))][:40],
              "wall_seconds": round(time.perf_counter() - t0, 1)}
    (RESULTS / f"explain{'' if args.label == 'after' else '-' + args.label}.json").write_text(
        json.dumps(result, indent=1) + "\n")
    if args.examples:
        before = [json.loads(line) for line in args.examples.read_text().splitlines() if line.strip()]
        (RESULTS / "explain-examples.md").write_text(examples(before, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
