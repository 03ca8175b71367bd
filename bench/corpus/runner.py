"""Parent side of the corpus test runner: ships jobs to child.py in a limited child process.

Jobs go in batches (one interpreter start per batch keeps building the corpus fast). If a
batch child dies or overruns its wall budget, its unfinished jobs are retried one per child,
and a job that still kills its child is reported as a crash for every test.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = Path(__file__).with_name("child.py")


def _limits(memory_mb: int):
    def apply() -> None:
        os.setsid()  # own process group: a timeout kills everything the job spawned
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (10_000_000, 10_000_000))
    return apply


def _run_batch(jobs: list[dict], wall: float, python: str, memory_mb: int) -> dict[str, dict]:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="tracefix-corpus-") as scratch:
        proc = subprocess.Popen([python, "-I", str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, cwd=scratch, preexec_fn=_limits(memory_mb),
                                env={"PATH": os.environ.get("PATH", "/usr/bin"), "PYTHONHASHSEED": "0"})
        try:
            out, _ = proc.communicate(json.dumps(jobs).encode(), timeout=wall)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, _ = proc.communicate()
    for line in out.decode(errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        results[row["id"]] = row
    return results


def run_jobs(jobs: list[dict], batch_size: int = 40, python: str = sys.executable,
             memory_mb: int = 1024) -> dict[str, dict]:
    """Run every job; returns id → {"load", "results", "values"} (see child.py)."""
    done: dict[str, dict] = {}
    for start in range(0, len(jobs), batch_size):
        batch = jobs[start:start + batch_size]
        wall = 10.0 + 2 * sum(_budget(j) for j in batch)  # budgets are CPU seconds; leave room for load
        done.update(_run_batch(batch, wall, python, memory_mb))
        for job in batch:
            if job["id"] in done:
                continue
            single = _run_batch([job], 10.0 + 2 * _budget(job), python, memory_mb)
            done[job["id"]] = single.get(job["id"]) or {
                "id": job["id"], "load": "error: crash", "values": {},
                "results": {t["name"]: "error:crash" for t in job["tests"]}}
    return done


def _budget(job: dict) -> float:
    return float(job.get("timeout", 1.0)) * (len(job["tests"]) + 1)
