"""Hardening figures for issue 8: the hostile corpus through the CLI and the server, then the load scenario.

Usage: .venv/bin/python bench/hostile.py [--quick] [--no-load]
Prints one table and writes bench/results/hostile.json. The corpus and its checks live in
tests/hostile/ (cases.py, wire.py, load.py), shared with the test suite.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import cases  # noqa: E402
import load  # noqa: E402
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="load with 10 documents and 300 edits")
    ap.add_argument("--no-load", action="store_true")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="tracefix-bench-hostile-"))
    t0 = time.perf_counter()
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
    out = ROOT / "bench" / "results" / "hostile.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "cli": cli, "lsp": lsp,
                               "load": None if ld is None else {**ld.__dict__, "p99_ms": ld.p99_ms,
                                                                "latencies_ms": None},
                               "seconds": round(time.perf_counter() - t0, 1)}, indent=2, default=str))
    print(f"\nwrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
