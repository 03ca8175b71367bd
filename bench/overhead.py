"""Trace overhead: untraced vs tracefix's probe vs pysnooper, snoop, hunter and coverage.

Each (workload, method) runs in a fresh interpreter, the work timed in-process (no
start-up), median of repeats. Ratios are to the untraced median of the same size in
the same run on the same machine. tracefix and coverage run the "full" size (about
0.1-0.5 s untraced, so fixed costs do not dominate); the line-printing peers would take
hours there, so they run the "small" size against an untraced baseline of that size. On Python 3.12+ (if found) the probe uses sys.monitoring; peers
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


PEER_TIMEOUT = 180.0  # seconds; a slower peer is reported as "at least" this ratio


def measure(python: str, method: str, workload: str, repeats: int, size: str = "full") -> float | None:
    """Median in-process seconds, or None when the method did not finish within PEER_TIMEOUT."""
    path = os.path.join(HERE, "workloads", workload + ".py")
    seg = segment.segment(open(path).read())
    leaders = json.dumps({str(b.leader_line): b.id for b in seg.blocks if b.leader_line})
    try:
        done = subprocess.run([python, os.path.join(HERE, "_overhead_child.py"), method, path, PROBE, leaders,
                               str(repeats), size], capture_output=True, text=True, timeout=PEER_TIMEOUT * repeats)
    except subprocess.TimeoutExpired:
        return None
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
            bases = {}
            for method in methods:
                size = "small" if method in SLOW else "full"
                if size not in bases:
                    bases[size] = measure(python, "untraced", wl, args.repeats, size)
                    rows.append({"python": version, "workload": wl, "method": "untraced", "size": size,
                                 "seconds": bases[size], "ratio": 1.0, "repeats": args.repeats, "at_least": False})
                if method == "untraced":
                    continue
                reps = 1 if (method in SLOW and args.quick) else (2 if method in SLOW else args.repeats)
                seconds = measure(python, method, wl, reps, size)
                lower_bound = seconds is None
                if lower_bound:
                    seconds = PEER_TIMEOUT
                base = bases[size]
                rows.append({"python": version, "workload": wl, "method": method, "size": size, "seconds": seconds,
                             "ratio": seconds / base, "repeats": reps, "at_least": lower_bound})
                print(f"  {version} {wl:<6} {size:<5} {method:<10} {'>' if lower_bound else ' '}"
                      f"{seconds * 1000:9.1f} ms  x{seconds / base:7.1f}  (untraced {base * 1000:.1f} ms)",
                      file=sys.stderr)
    print(f"\n{'python':<7}{'workload':<9}" + "".join(f"{m:>11}" for m in ["tracefix", *PEERS]))
    for version, _, methods in runs:
        for wl in WORKLOADS:
            cells = []
            for m in ["tracefix", *PEERS]:
                r = next((x for x in rows if x["python"] == version and x["workload"] == wl and x["method"] == m), None)
                mark = ">" if r and r["at_least"] else ""
                cells.append(f"{mark + format(r['ratio'], '.1f'):>10}x" if r else f"{'-':>11}")
            print(f"{version:<7}{wl:<9}" + "".join(cells))
    summary = {}
    for version, _, methods in runs:
        tf = [r["ratio"] for r in rows if r["python"] == version and r["method"] == "tracefix"]
        summary[version] = {"tracefix_ratio_median": statistics.median(tf), "tracefix_ratio_max": max(tf)}
        for peer in PEERS:
            pr = [r for r in rows if r["python"] == version and r["method"] == peer]
            if pr:
                # Ratio against ratio: each is relative to untraced of its own size.
                speedups = [p["ratio"] / next(r["ratio"] for r in rows if r["python"] == version and
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
