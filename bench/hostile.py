"""Hardening figures for the hostile corpus (issues 8 and 12) through the real CLI and language server.

Issue 8: the corpus of tests/hostile/cases.py and the load scenario. Issue 12: the sandbox, honesty and
bounds cases (protected places byte-identical, honest exit codes, FIFO/symlink/10,000-file folders,
a 400 MB flood, forged results, tracing side effects, a junk feedback store, one server per sandbox mode).

Usage: .venv/bin/python bench/hostile.py [--quick] [--no-load] [--only issue8|issue12] [--parts a,b]
Prints tables and writes bench/results/hostile.json (a partial run keeps the other part's figures). The
corpus and its checks live in tests/hostile/ (cases.py, wire.py, load.py; world.py, docs.py and
scenarios.py for issue 12), shared with the test suite.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import cases  # noqa: E402
import load  # noqa: E402
import scenarios  # noqa: E402
import wire  # noqa: E402

RUN_LIMIT_S = 120.0


def cli_pass(root: Path) -> list[dict]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda c: cases.run_cli(c, root, repair=True), cases.CASES))
    return [{"case": r.case.name, "wall_s": round(r.wall_s, 2), "ended": not r.hung, "exit": r.returncode,
             "secrets": cases.leaked(r.stdout + r.stderr), "survivors": len(r.survivors),
             "problems": cases.cli_problems(r)} for r in runs]


def lsp_pass(root: Path) -> dict:
    """One server, every case opened; after each run a hover and a codeAction must be answered."""
    root.mkdir(parents=True, exist_ok=True)
    srv = wire.Server(env={**cases.secret_env(), "TRACEFIX_DATA_DIR": str(root / "data")}, cwd=str(root))
    srv.initialize({"runOn": "save", "timeoutSeconds": cases.RUN_TIMEOUT, "repairSeconds": cases.REPAIR_SECONDS})
    rows, hung, crashed = [], 0, False
    docs = []
    for i, case in enumerate(c for c in cases.CASES if not c.cli_only):
        path = case.materialize(root / "lsp" / case.name)
        version = 100 + i
        wire.did_open(srv, path.as_uri(), path.read_bytes().decode("utf-8", "replace"), version)
        docs.append((case, path, version, time.monotonic()))
    for case, path, version, opened in docs:
        ended = srv.wait_for(lambda inbox, v=version: any(
            m.get("method") == "window/logMessage" and f"run of version {v} took" in m["params"]["message"]
            for m in inbox), timeout=max(0.0, opened + RUN_LIMIT_S - time.monotonic()))
        answers = [wire.hover(srv, path.as_uri()), wire.code_action(srv, path.as_uri())]
        hung += sum(a is None for a in answers)
        survivors = cases.survivors(case.marker)
        if survivors:
            cases.kill_marked(case.marker)
        rows.append({"case": case.name, "ended": ended, "answered": all(answers), "survivors": len(survivors)})
        crashed = crashed or not srv.alive
    sent = json.dumps(srv.inbox)
    result = {"rows": rows, "hung_requests": hung, "crashed": crashed or not srv.alive,
              "secrets": cases.leaked(sent),
              "apply_edits": sum(m.get("method") == "workspace/applyEdit" for m in srv.inbox),
              "peak_rss_kb": srv.rss_peak_kb()}
    code = srv.close(timeout=20)
    result["clean_exit"] = code == 0
    return result


PARTS12 = {"protected_places": scenarios.protected_places, "honest_outcomes": scenarios.honest_outcomes,
           "bounded": scenarios.bounded, "tracing": scenarios.tracing, "feedback_store": scenarios.feedback_store,
           "server": lambda root: [scenarios.server(root / mode, mode) for mode in scenarios.world.MODES]}


def issue12(root: Path, parts: list[str], previous: dict) -> dict:
    """Every issue-12 category: protected places, honest outcomes, bounded inputs, tracing, the feedback store,
    and one language server per sandbox mode with a control document probed while hostile runs happen.
    Parts not asked for keep their previous figures."""
    out = {k: v for k, v in previous.items() if k in PARTS12}
    for name in parts:
        t0 = time.perf_counter()
        out[name] = PARTS12[name](root / name)
        print(f"  {name}: {time.perf_counter() - t0:.0f} s", flush=True)
    out["summary"] = summary12(out) if set(PARTS12) <= set(out) else {}
    return out


def summary12(r: dict) -> dict:
    places = [(row["mode"], k[len("identical: "):], v) for row in r["protected_places"] for k, v in row.items()
              if k.startswith("identical: ")]
    bounded = [b for b in r["bounded"] if "discover_ms" in b and b["case"] != "plain"]
    plain = [b["discover_ms"] for b in r["bounded"] if b["case"] == "plain"]
    flood = [b for b in r["bounded"] if b["case"].startswith("flood")]
    return {
        "protected places byte-identical": f"{sum(v for _, _, v in places)}/{len(places)}",
        "runs leaving files in /tmp, /dev/shm": sum(not row["nothing left in /tmp, /var/tmp, /dev/shm"]
                                                    for row in r["protected_places"])
        + sum(b.get("leftovers", 0) > 0 for b in r["bounded"]),
        "planted .pth executed later": sum(not row["planted .pth never ran"] for row in r["protected_places"]),
        "honest exit codes (misbehaving test not passed, exit 1)": "%d/%d" % (
            sum(o["exit"] == 1 and o["misbehaving test"] not in ("passed", "missing") and not o["reported twice"]
                for o in r["honest_outcomes"]), len(r["honest_outcomes"])),
        "bounded folders right within 2 s of discovery": "%d/%d" % (
            sum(b["right result"] and 0 <= b["discover_ms"] < 2000 for b in bounded), len(bounded)),
        "max discovery ms (FIFO, loops, /usr, 10,000 files)": max((b["discover_ms"] for b in bounded), default=None),
        "discovery ms of the same folder without them (per mode)": plain,
        "tracefix RSS under a 400 MB flood, MB": [b["rss_mb"] for b in flood],
        "tracefix RSS / hung under 1M forged results": [(b["rss_mb"], b["hung"]) for b in r["bounded"]
                                                        if b["case"].startswith("1,000,000")],
        "traced vs untraced verdicts agree": all(t["passed (untraced verdict)"] == t["tests"] for t in r["tracing"]),
        "fixes shown for tests that pass untraced": sum(t["fixes shown"] for t in r["tracing"]),
        "1M junk feedback rows: store read ms (clean ms)": (r["feedback_store"]["junk"]["read_ms"],
                                                            r["feedback_store"]["clean"]["read_ms"]),
        "server control verdicts wrong": sum(not row["control_verdict_right"] for s in r["server"] for row in s["rows"]),
        "server hung requests": sum(row["unanswered"] for s in r["server"] for row in s["rows"]),
        "server p99 ms during hostile runs": [s["p99_ms"] for s in r["server"]],
        "server peak RSS MB": [s["peak_rss_mb"] for s in r["server"]],
        "server crashes": sum(not s["alive"] for s in r["server"]),
    }


def print12(r: dict) -> None:
    print("\nissue 12: protected places (byte-identical after a hostile run; both sandbox modes)")
    for row in r["protected_places"]:
        marks = {k: v for k, v in row.items() if isinstance(v, bool)}
        print(f"  {row['mode']:<14} " + ", ".join(f"{k.replace('identical: ', '')}={'yes' if v else 'NO'}"
                                                   for k, v in marks.items()))
    print("\nhonest outcomes (exit code / the misbehaving test / tests reported / reported twice)")
    for o in r["honest_outcomes"]:
        print(f"  {o['mode']:<14} {o['case']:<22} exit {o['exit']}  {o['misbehaving test']:<8} "
              f"{o['tests reported']} reported, {o['reported twice']} twice")
    print("\nbounded (discovery ms / wall s / right result / tracefix RSS MB / left in TMPDIR MB)")
    for b in r["bounded"]:
        print(f"  {b['mode']:<14} {b['case']:<38} {b.get('discover_ms', '-'):>8} {b['total_s']:>7} "
              f"{'right' if b['right result'] else 'WRONG':<6} {b.get('rss_mb', '-'):>7} "
              f"{b.get('tmpdir_left_mb', b.get('leftovers', '-'))}")
    print("\ntracing without side effects")
    for t in r["tracing"]:
        print(f"  {t['case']:<22} exit {t['exit']}  {t['passed (untraced verdict)']}/{t['tests']} passed  "
              f"{t['fixes shown']} fixes shown, {t.get('fixes offered', '?')} offered")
    print("\nfeedback store (tracefix debug with a fix to decide on)")
    for label, f in r["feedback_store"].items():
        print(f"  {label:<8} {f['store_mb']:>7} MB  read {f['read_ms']} ms  run {f['total_s']} s  exit {f['exit']}  "
              f"{(f['note'] or f['problems'])[:1]}")
    for srv in r["server"]:
        print(f"\nlanguage server ({srv['mode']}): control document probed while each hostile run is in flight")
        for row in srv["rows"]:
            print(f"  {row['case']:<24} ended {row['run_ended']!s:<5} {row['run_s']:>6} s  control right "
                  f"{row['control_verdict_right']!s:<5} probes {row['probes']:>4}  unanswered {row['unanswered']}  "
                  f"max {row['max_ms']} ms  RSS {row['rss_mb']} MB")
        print(f"  p50 {srv['p50_ms']} ms, p99 {srv['p99_ms']} ms, peak RSS {srv['peak_rss_mb']} MB, "
              f"alive {srv['alive']}, exit {srv['exit_code']}, secrets {srv['secrets']}")
    print("\nissue 12 summary")
    width = max(len(k) for k in r["summary"])
    for k, v in r["summary"].items():
        print(f"  {k:<{width}}  {v}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="load with 10 documents and 300 edits")
    ap.add_argument("--no-load", action="store_true")
    ap.add_argument("--only", choices=("issue8", "issue12"), help="run one part; the other's figures are kept")
    ap.add_argument("--parts", default=",".join(PARTS12), help="issue-12 parts to run (comma-separated): "
                    + ", ".join(PARTS12) + "; the others keep their figures")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="tracefix-bench-hostile-"))
    out = ROOT / "bench" / "results" / "hostile.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    t0 = time.perf_counter()
    result = dict(previous)
    if args.only != "issue12":
        result.update(issue8(root, args))
    if args.only != "issue8":
        print("issue 12 cases (each part prints its time):", flush=True)
        parts = [p for p in args.parts.split(",") if p]
        unknown = sorted(set(parts) - set(PARTS12))
        if unknown:
            ap.error(f"unknown part(s): {', '.join(unknown)}")
        result["issue12"] = issue12(root / "issue12", parts, previous.get("issue12", {}))
        if result["issue12"]["summary"]:
            print12(result["issue12"])
    result["seconds"] = round(time.perf_counter() - t0, 1)
    shutil.rmtree(root, ignore_errors=True)  # the junk feedback store alone is ~170 MB
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


def issue8(root: Path, args) -> dict:
    cli = cli_pass(root / "cli")
    lsp = lsp_pass(root / "srv")
    ld = None
    if not args.no_load:
        ld = load.run(documents=10, edits=300) if args.quick else load.run(documents=50, edits=2000)
    cli_secret = sum(bool(r["secrets"]) for r in cli)
    summary = {
        "cases_tried": len(cli),
        "cli_runs_ended_within_limit": sum(r["ended"] for r in cli),
        "cli_cases_without_problems": sum(not r["problems"] for r in cli),
        "lsp_runs_ended_within_limit": sum(r["ended"] for r in lsp["rows"]),
        "lsp_cases": len(lsp["rows"]),
        "server_crashes": int(lsp["crashed"]) + int(bool(ld and ld.crashed)),
        "hung_requests": lsp["hung_requests"] + (ld.unanswered if ld else 0),
        "secrets_leaked": cli_secret + int(bool(lsp["secrets"])),
        "edits_applied_without_user_choice": lsp["apply_edits"],
        "processes_outliving_a_run": sum(r["survivors"] for r in cli) + sum(r["survivors"] for r in lsp["rows"]),
    }
    if ld is not None:
        summary.update({"load_documents": ld.documents, "load_edits": ld.edits, "load_requests_served":
                        ld.requests - ld.unanswered, "load_p99_ms": round(ld.p99_ms, 1),
                        "load_peak_rss_mb": round(ld.peak_rss_kb / 1024, 1), "load_stale_publishes": len(ld.stale),
                        "load_wrong_final": len(ld.wrong_final), "load_seconds": round(ld.seconds, 1)})
    width = max(len(k) for k in summary)
    print("tracefix hostile corpus and load (issue 8)")
    for k, v in summary.items():
        print(f"  {k:<{width}}  {v}")
    print("\nper case (CLI wall s / problems):")
    for r in cli:
        print(f"  {r['case']:<22} {r['wall_s']:7.1f}  {'; '.join(p[:90] for p in r['problems']) or 'ok'}")
    return {"summary": summary, "cli": cli, "lsp": lsp,
            "load": None if ld is None else {**ld.__dict__, "p99_ms": ld.p99_ms, "latencies_ms": None}}


if __name__ == "__main__":
    raise SystemExit(main())
