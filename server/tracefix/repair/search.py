"""Validate candidates in parallel child processes within a time and count budget.

Candidates arrive best first. ``workers`` runs are kept in flight (each one is a real
sandboxed child, so threads here only wait). Submission stops at the first candidate that
fixes every failing test without breaking any — the highest rank a fix can have — and the
runs already in flight are allowed to finish so a few alternatives remain for ranking.
When the time budget runs out, or the caller cancels, runs in flight are stopped.
"""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Callable

from tracefix.config import Settings
from tracefix.model import RunResult, Segmentation, TestCase, Validation
from tracefix.repair.candidate import Candidate
from tracefix.validate import is_improvement, validate


@dataclass
class Outcome:
    candidate: Candidate
    validation: Validation
    run: RunResult


@dataclass
class Mutant:
    """What one validated candidate did to the tests, kept whether or not it improved anything:
    every candidate is also a mutant of its block, evidence for localization (Metallaxis/MUSE)."""

    block: str  # the block the edit sits in
    fixed: int  # failing tests it made pass
    broken: int  # passing tests it made fail
    touched: int  # failing tests whose outcome or failure message it changed (fixed ones included)


def touched(baseline: RunResult, candidate: RunResult) -> int:
    """Failing tests of ``baseline`` that end differently under ``candidate`` (outcome or message)."""
    after = {t.id: (t.outcome, _stable(t.message)) for t in candidate.tests}
    return sum(1 for t in baseline.tests
               if t.failing and after.get(t.id) != (t.outcome, _stable(t.message)))


def _stable(message: str) -> str:
    """A failure message without what differs between two runs of the same code (object addresses)."""
    return re.sub(r"0x[0-9a-fA-F]+", "0x?", message or "")


def search(path: str, seg: Segmentation, tests: list[TestCase], baseline: RunResult, cands: list[Candidate],
           settings: Settings, python: str | None, cancel: threading.Event, deadline: float,
           progress: Callable[[str, int], None], mutants: list[Mutant] | None = None
           ) -> tuple[list[Outcome], int]:
    """(strict improvements found, candidates validated); every finished run is appended to ``mutants``."""
    failing = sum(1 for t in baseline.tests if t.failing)
    # A mutation can turn a loop infinite; don't let one candidate eat the whole budget. The
    # traced baseline is slower than an untraced re-run, so a few times its duration is ample.
    settings = replace(settings, timeout=min(settings.timeout, max(5.0, 3 * baseline.duration_ms / 1000)))
    halt = threading.Event()  # stops runs in flight (budget over or caller cancelled)
    found: list[Outcome] = []
    done_count = 0
    complete = False
    queue = list(cands)
    running: dict[Future, Candidate] = {}
    with ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="tracefix-validate") as pool:
        while queue or running:
            if cancel.is_set():
                halt.set()
            while queue and len(running) < settings.workers and not complete and not halt.is_set() \
                    and time.monotonic() < deadline:
                cand = queue.pop(0)
                running[pool.submit(validate, path, cand.new_text, seg, tests, baseline, settings, python,
                                    halt)] = cand
            if not running:
                break
            finished, _ = wait(list(running), timeout=0.1, return_when=FIRST_COMPLETED)
            if cancel.is_set() or time.monotonic() > deadline:
                halt.set()
            for fut in finished:
                cand = running.pop(fut)
                done_count += 1
                try:
                    validation, run = fut.result()
                except Exception:  # a broken candidate run must not end the search
                    continue
                if halt.is_set() and run.error:
                    continue  # stopped by us: says nothing about the candidate
                if mutants is not None and cand.block:
                    mutants.append(Mutant(cand.block, len(validation.fixed), len(validation.broken),
                                          touched(baseline, run)))
                if is_improvement(validation):
                    found.append(Outcome(cand, validation, run))
                    if len(validation.fixed) == failing:
                        complete = True
                total = min(len(cands), done_count + len(queue) + len(running))
                progress(f"validated {done_count} of {total} candidates", min(100, done_count * 100 // max(1, total)))
    return found, done_count
