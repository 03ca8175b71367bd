"""Per-test tracing cost on real projects, on their unmodified code, with repeats.

`bench/projects.py` reports a `ratio_tests` per bug from one traced and one plain run: sums of
sub-millisecond tests on a shared machine, where one preemption moves a bug's figure by +-0.5. This
bench measures only that cost, the way a cost is measured on a noisy machine: for each project of the
corpus (built by `bench/projects.py --corpus-only`) and each module its bug corpus mutates, it runs,
alternately, `--repeats` times

  traced  `tracefix debug <module> --json --python <project venv>` from the project's work tree (no
          failing test on unmodified code, so the run is the traced run of the selected tests)
  plain   the project's pytest with the same node ids (`-p tfbench_outcomes`, the same venv; `--no-cov`
          where the project's addopts measure coverage, an option tracefix drops)

and keeps, per test and side, the minimum of pytest's own setup+call+teardown durations over the
repeats (what the test costs when nothing preempts it). A module's ratio is the sum of the traced
minima over the sum of the plain minima, on the tests both sides ran. Prints a table and writes
bench/results/trace_cost.json.

    .venv/bin/python bench/trace_cost.py [--projects toolz,cachetools] [--modules 3] [--repeats 5]
                                         [--python PY] [--tracefix REV|worktree] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from bench.common import RESULTS, table  # noqa: E402
from bench.projects.corpus import DEFAULT_CACHE, Setup, default_python, log  # noqa: E402
from bench.projects.evaluate import Tracefix, debug_once  # noqa: E402
from bench.projects.mutants import target_modules  # noqa: E402
from bench.projects.spec import BY_NAME, PROJECTS  # noqa: E402


def minima(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per test, its smallest duration over the runs that reported it."""
    out: dict[str, float] = {}
    for durations in runs:
        for test, seconds in durations.items():
            if seconds is not None:
                out[test] = min(seconds, out.get(test, seconds))
    return out


def measure_module(setup: Setup, tracefix: Tracefix, module: str, repeats: int, timeout: float) -> dict:
    traced_runs, plain_runs, ids = [], [], None
    for i in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            report, info = debug_once(setup, tracefix, module, timeout, Path(cache))
        if report is None:
            return {"module": module, "error": info.get("stderr") or info.get("stdout") or "no report"}
        tests = [t for t in report.get("tests", []) if t.get("outcome") == "passed" and "::" in t["id"]]
        traced_runs.append({t["id"]: t["duration_ms"] / 1000 for t in tests if t.get("duration_ms") is not None})
        ids = ids or sorted(traced_runs[-1])
        if not ids:
            return {"module": module, "error": "no passing pytest test selected"}
        plain_runs.append(setup.pytest(setup.as_tracefix_runs() + ids, timeout=timeout).durations)
        log(f"  {module} run {i + 1}/{repeats}: traced {sum(traced_runs[-1].values()) * 1000:.0f} ms, "
            f"plain {sum(plain_runs[-1].get(t, 0) for t in ids) * 1000:.0f} ms")
    traced, plain = minima(traced_runs), minima(plain_runs)
    both = [t for t in ids if t in traced and t in plain]
    traced_s, plain_s = sum(traced[t] for t in both), sum(plain[t] for t in both)
    per_run = [sum(r.get(t, 0) for t in both) / max(1e-9, sum(p.get(t, 0) for t in both))
               for r, p in zip(traced_runs, plain_runs)]
    return {"module": module, "tests": len(both), "traced_ms": round(traced_s * 1000, 1),
            "plain_ms": round(plain_s * 1000, 1), "ratio": round(traced_s / plain_s, 2) if plain_s else None,
            "ratio_per_run": [round(r, 2) for r in per_run],
            "backend": report.get("trace", {}).get("backend") if isinstance(report.get("trace"), dict) else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--projects", default="", help="comma-separated names (default: all)")
    ap.add_argument("--modules", type=int, default=3, help="modules per project (its bug corpus' targets, in order)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--python", default=default_python(), help="base interpreter of the project venvs")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--tracefix", default="worktree", help="a git revision (exported) or `worktree`")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--out", type=Path, default=RESULTS / "trace_cost.json")
    args = ap.parse_args(argv)
    names = [n for n in args.projects.split(",") if n]
    projects = [BY_NAME[n] for n in names] if names else PROJECTS
    tracefix = Tracefix.make(args.tracefix, args.cache)
    started = time.monotonic()
    rows = []
    for project in projects:
        log(f"== {project.key}")
        setup = Setup(project, args.cache, args.python)
        setup.prepare()
        for module in target_modules(setup, setup.baseline())[:args.modules]:
            rows.append({"project": project.name, **measure_module(setup, tracefix, module, args.repeats,
                                                                   args.timeout)})
        setup.check_work_tree()
    ratios = [r["ratio"] for r in rows if r.get("ratio")]
    result = {"command": "bench/trace_cost.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "tracefix": tracefix.label, "commit": tracefix.commit, "dirty": tracefix.dirty,
              "python": setup.py_tag if projects else None, "repeats": args.repeats,
              "seconds": round(time.monotonic() - started, 1), "median_ratio": statistics.median(ratios) if ratios else None,
              "modules": rows}
    print(table(["project", "module", "tests", "traced ms", "plain ms", "ratio (min of runs)", "ratio per run"],
                [[r["project"], r["module"], r.get("tests"), r.get("traced_ms"), r.get("plain_ms"),
                  f"{r['ratio']:.2f}" if r.get("ratio") else r.get("error", "")[:60],
                  " ".join(map(str, r.get("ratio_per_run", [])))]
                 for r in rows]))
    print(f"median over modules: {result['median_ratio']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
