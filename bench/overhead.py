"""Trace overhead: untraced vs tracefix's probe vs pysnooper, snoop, hunter and coverage.

Each (workload, method) runs in a fresh interpreter, the work timed in-process (no
start-up), median of repeats. Ratios are to the untraced median of the same run on
the same machine. On Python 3.12+ (if found) the probe uses sys.monitoring; peers
are measured on tracefix's own interpreter only.

    .venv/bin/python bench/overhead.py [--repeats 5] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "server"))

from tracefix import segment  # noqa: E402

PROBE = os.path.join(ROOT, "server", "tracefix", "probe")
WORKLOADS = ["fib", "sieve", "sort"]
PEERS = ["coverage", "hunter", "pysnooper", "snoop"]
OTHER_PYTHONS = {"3.12": "/root/.pyenv/versions/3.12.1/bin/python", "3.13": "/root/.pyenv/versions/3.13.0/bin/python"}
SLOW = {"pysnooper", "snoop", "hunter"}


def measure(python: str, method: str, workload: str, repeats: int) -> float:
    path = os.path.join(HERE, "workloads", workload + ".py")
    seg = segment.segment(open(path).read())
    leaders = json.dumps({str(b.leader_line): b.id for b in seg.blocks if b.leader_line})
    done = subprocess.run([python, os.path.join(HERE, "_overhead_child.py"), method, path, PROBE, leaders,
                           str(repeats)], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{method} on {workload}: {done.stderr.strip().splitlines()[-1:]}")
    return statistics.median(json.loads(done.stdout))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="peers once each (they are slow)")
    args = ap.parse_args()
    rows = []
    runs = [("3.11", sys.executable, ["untraced", "tracefix", *PEERS])]
    for version, path in OTHER_PYTHONS.items():
        if os.path.exists(path):
            runs.append((version, path, ["untraced", "tracefix"]))
    started = time.time()
    for version, python, methods in runs:
        for wl in WORKLOADS:
            base = None
            for method in methods:
                reps = 1 if (method in SLOW and args.quick) else (2 if method in SLOW else args.repeats)
                seconds = measure(python, method, wl, reps)
                if method == "untraced":
                    base = seconds
                rows.append({"python": version, "workload": wl, "method": method, "seconds": seconds,
                             "ratio": seconds / base if base else None, "repeats": reps})
                print(f"  {version} {wl:<6} {method:<10} {seconds * 1000:9.1f} ms  x{seconds / base:7.1f}",
                      file=sys.stderr)
    print(f"\n{'python':<7}{'workload':<9}" + "".join(f"{m:>11}" for m in ["tracefix", *PEERS]))
    for version, _, methods in runs:
        for wl in WORKLOADS:
            cells = []
            for m in ["tracefix", *PEERS]:
                r = next((x for x in rows if x["python"] == version and x["workload"] == wl and x["method"] == m), None)
                cells.append(f"{r['ratio']:>10.1f}x" if r else f"{'-':>11}")
            print(f"{version:<7}{wl:<9}" + "".join(cells))
    summary = {}
    for version, _, methods in runs:
        tf = [r["ratio"] for r in rows if r["python"] == version and r["method"] == "tracefix"]
        summary[version] = {"tracefix_ratio_median": statistics.median(tf), "tracefix_ratio_max": max(tf)}
        for peer in PEERS:
            pr = [r for r in rows if r["python"] == version and r["method"] == peer]
            if pr:
                speedups = [p["seconds"] / next(r["seconds"] for r in rows if r["python"] == version and
                                                 r["workload"] == p["workload"] and r["method"] == "tracefix")
                            for p in pr]
                summary[version][f"tracefix_faster_than_{peer}_min"] = min(speedups)
    print("\nsummary:", json.dumps(summary, indent=1))
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    out = os.path.join(HERE, "results", "overhead.json")
    with open(out, "w") as f:
        json.dump({"rows": rows, "summary": summary, "seconds": time.time() - started,
                   "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}, f, indent=1)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
