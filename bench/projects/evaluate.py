"""Run tracefix on a bug exactly as a user would and score what it reports.

From the project root: `tracefix debug <module> --json --python <project venv>/bin/python`, no --test.
Scored against plain `pytest` in the project's venv:
  detected   a test tracefix reports as failed/error really fails on the bug under plain pytest
             (and passed on the pristine code); a module doctest tracefix ran itself (`doctest:name`)
             counts when `pytest --doctest-modules <module>` fails it on the bug and passes it before
  loc@k      the block holding the mutated line is among the k most suspicious blocks
  held back  a seeded share of the tests that passed on the pristine code is hidden from tracefix
             (bench/projects/holdout.py; one test that catches the bug stays visible), so a fix is
             judged on tests it was never validated on
  fix shown  a suggestion with shown=true
  correct    that suggestion's edits applied to the buggy file, the project's whole suite (hidden
             tests included) passes every test that passed on the pristine code; every suggestion,
             shown or held back, is judged so, and its decide features kept (for bench/decide.py)
  ratio      tracefix's traced run time (timing_ms.run) / wall time of plain pytest on the node ids
             tracefix selected, on the same buggy tree (startup and collection included on both sides)
  ratio_tests  the same tests' own durations, both sides measured by the same instrument: pytest's
             own per-phase timing (report.duration of setup, call and teardown, what
             `pytest --durations` prints), summed over the node ids both runs reported. Traced:
             tracefix's duration_ms, which its probe sums from those reports (the tracer is armed
             during the phases, so its cost is inside). Plain: the tfbench_outcomes plugin's sum of
             the same reports. Until 2026-12-02 tracefix's duration_ms was the wall time from the
             test's logstart hook to its teardown report: pytest's hooks between the phases and
             tracefix's start-of-test bookkeeping were counted on the traced side only (an untraced
             probe run already read ~3x on toolz), so the ratio_tests of older results JSON
             (projects_heldout_*, projects_after_issue15) overstate the tracing cost. Per-test
             record writing and the coverage map's read-out happen after the teardown report and
             are in neither figure; they are in `ratio` (the whole run). One asymmetry remains: plain
             pytest runs the project's addopts as they are (semver's --cov measures coverage in its
             phases), tracefix only the ones that keep their meaning under it (project.filter_addopts).
             The sums are of sub-millisecond tests on a shared machine: one preemption (~10 ms) in
             either run moves a bug's figure, so read the median over bugs
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.projects.corpus import Baseline, Setup, patched, run
from bench.projects.holdout import held_back
from bench.projects.mutants import Bug
from tracefix.model import is_failing

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- which tracefix

@dataclass
class Tracefix:
    """How to start tracefix: the repository's venv console script (``worktree``: the code as it
    is on disk now), or the same venv's python on an exported commit of server/ (``commit``)."""
    label: str
    cmd: list[str]
    env_extra: dict[str, str]
    commit: str
    dirty: list[str]

    @classmethod
    def make(cls, which: str, cache: Path) -> "Tracefix":
        venv_bin = REPO / ".venv" / "bin"
        head = _git("rev-parse", "HEAD")
        dirty = [line[3:] for line in _git("status", "--porcelain", "--", "server").splitlines() if line.strip()]
        if which == "worktree":
            return cls("worktree", [str(venv_bin / "tracefix")], {}, head, dirty)
        commit = _git("rev-parse", which)
        dest = cache / "tracefix-src" / commit[:12]
        if not (dest / "server" / "tracefix" / "cli.py").exists():
            dest.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(["git", "-C", str(REPO), "archive", commit, "server"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return cls(f"commit {commit[:12]}", [str(venv_bin / "python"), "-m", "tracefix"],
                   {"PYTHONPATH": str(dest / "server")}, commit, [])


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True).stdout.strip()


def user_env(tracefix: Tracefix, cache_dir: Path | None = None) -> dict[str, str]:
    """The user's shell: no project venv activated, nothing of ours in PYTHON*/PYTEST* variables.
    ``cache_dir``: tracefix's own cache (collection, coverage map) for this run."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV", "TFBENCH", "COV_CORE", "COVERAGE"))}
    env.update(tracefix.env_extra)
    if cache_dir is not None:
        env["TRACEFIX_CACHE_DIR"] = str(cache_dir)
    return env


# ---------------------------------------------------------------- applying an LSP edit

def apply_lsp_edits(text: str, edits: list[dict]) -> str:
    """Apply LSP TextEdits (0-based lines, UTF-16 columns) computed against ``text``."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: dict) -> int:
        line = pos["line"]
        if line >= len(lines):
            return len(text)
        units, chars = pos["character"], 0
        for ch in lines[line]:
            if units <= 0 or ch in "\r\n":
                break
            units -= len(ch.encode("utf-16-le")) // 2
            chars += 1
        return starts[line] + chars

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


# ---------------------------------------------------------------- one bug

def block_rank(report: dict, truth_lines: list[int]) -> int | None:
    """1-based rank of the first block holding a truth line, blocks ordered by suspiciousness."""
    blocks = sorted(report.get("blocks", []), key=lambda b: -float(b.get("suspiciousness") or 0))
    for i, block in enumerate(blocks, 1):
        if any(block["start_line"] <= line <= block["end_line"] for line in truth_lines):
            return i
    return None


def node_ids(report: dict, root: Path) -> list[str]:
    """The reported test ids plain pytest can take: `path::name...` with the path under the root."""
    out = []
    for test in report.get("tests", []):
        tid = test["id"]
        if "::" in tid and (root / tid.split("::", 1)[0]).exists():
            out.append(tid)
    return out


def debug_once(setup: Setup, tracefix: Tracefix, module: str, timeout: float,
               cache_dir: Path | None = None) -> tuple[dict | None, dict]:
    """Run tracefix on ``module`` of the work tree as it is now. Returns (report or None, run info)."""
    cmd = [*tracefix.cmd, "debug", module, "--json", "--python", str(setup.venv_python)]
    before = setup.tree_digest(setup.root)
    proc = run(cmd, setup.root, env=user_env(tracefix, cache_dir), timeout=timeout)
    after = setup.tree_digest(setup.root)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    info = {"exit": proc.returncode, "wall_s": round(proc.seconds, 2), "tree_changed": changed,
            "stderr": proc.stderr.strip()[-400:]}
    report = None
    if proc.stdout.strip():
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            info["stdout"] = proc.stdout.strip()[-400:]
    return report, info


def summarize_report(report: dict | None) -> dict:
    if report is None:
        return {"tests_found": 0, "tests_run": 0, "failing_reported": []}
    tests = report.get("tests", [])
    return {"tests_found": len(tests),
            "tests_run": sum(1 for t in tests if t.get("outcome") not in ("skipped", None)),
            "failing_reported": [t["id"] for t in tests if is_failing(t.get("outcome"))],
            "failing_messages": [f"{t['id']}: {str(t.get('message', ''))[:200]}" for t in tests
                                 if is_failing(t.get("outcome"))][:3],
            "messages": report.get("messages", [])[:5],
            "timing_ms": report.get("timing_ms", {})}


def evaluate_bug(setup: Setup, base: Baseline, bug: Bug, tracefix: Tracefix, timeout: float,
                 cache_dir: Path | None = None, hidden: set[str] = frozenset()) -> dict:
    """One bug: tracefix run with ``hidden`` held back, scored against the project's whole suite."""
    rel = bug.module
    path = setup.root / rel
    original = (setup.pristine / rel).read_text()
    buggy = bug.buggy_text(original)
    out: dict = {"bug": bug.id, "project": setup.project.name, "module": rel, "function": bug.function,
                 "operator": bug.operator, "line": bug.line, "description": bug.description,
                 "truth_lines": bug.truth_lines}
    suite_timeout = max(60.0, 5 * base.seconds + 30)
    passed_before = set(base.passed)
    with patched(path, buggy, original):
        start = time.monotonic()
        with held_back(setup.root, hidden):
            report, info = debug_once(setup, tracefix, rel, timeout, cache_dir)
        everything = setup.pytest([a for t in base.not_passed for a in ("--deselect", t)], timeout=suite_timeout)
        catching = set(everything.broken(base.passed))
        out["held_back"] = len(hidden)
        out["catching_visible"] = len(catching - hidden)
        out["catching_hidden"] = len(catching & hidden)
        out.update(info)
        out.update(summarize_report(report))
        out["report_ok"] = report is not None
        # Plain pytest on the tests tracefix selected, same buggy tree: real outcomes and the time.
        ids = node_ids(report or {}, setup.root)
        out["plain_ids"] = len(ids)
        plain = setup.pytest(setup.as_tracefix_runs() + ids, timeout=suite_timeout) if ids else None
        really_failing = {t for t, o in (plain.outcomes.items() if plain else []) if is_failing(o)}
        out["plain_s"] = round(plain.seconds, 2) if plain else None
        confirmed = [t for t in out["failing_reported"] if t in really_failing and t in passed_before]
        doctests = [t for t in out["failing_reported"] if t.startswith("doctest:")]
        if doctests and not confirmed:
            confirmed = confirm_doctests(setup, rel, doctests, buggy, suite_timeout)
            out["detected_by_doctest"] = confirmed
        out["detected"] = bool(confirmed)
        out["detected_reported"] = bool(out["failing_reported"])
        run_ms = (out.get("timing_ms") or {}).get("run")
        out["traced_s"] = round(run_ms / 1000, 3) if run_ms else None
        out["ratio"] = round(out["traced_s"] / plain.seconds, 2) if plain and out["traced_s"] else None
        # Test by test: pytest's phase timings on both sides (see the docstring), same ids.
        traced_ms = {t["id"]: t.get("duration_ms") for t in (report or {}).get("tests", [])}
        both = [t for t in ids if traced_ms.get(t) is not None and plain and t in plain.durations]
        plain_tests_s = sum(plain.durations[t] for t in both) if both else 0.0
        traced_tests_s = sum(traced_ms[t] for t in both) / 1000 if both else 0.0
        # The sums too, so that bugs can be pooled (sum over sum): a median of per-bug ratios of
        # sub-millisecond tests moves with one preemption.
        out["traced_tests_s"], out["plain_tests_s"] = round(traced_tests_s, 4), round(plain_tests_s, 4)
        out["ratio_tests"] = round(traced_tests_s / plain_tests_s, 2) if plain_tests_s > 0 else None
        rank = block_rank(report, bug.truth_lines) if report else None
        out["rank"] = rank
        out["blocks"] = len((report or {}).get("blocks", []))
        suggestions = (report or {}).get("suggestions", [])
        out["suggestions"] = len(suggestions)
        # Every suggestion, shown or not, applied to the buggy file, against the project's whole suite.
        out["judged"] = [judge(setup, base, path, buggy, original, s, hidden, suite_timeout) for s in suggestions]
        out["fixes"] = [j for j in out["judged"] if j["shown"]]
        out["fix_shown"] = bool(out["fixes"])
        out["fix_correct"] = bool(out["fixes"]) and out["fixes"][0]["correct"]
        out["fix_any_correct"] = any(j["correct"] for j in out["judged"])
        out["total_s"] = round(time.monotonic() - start, 2)
    return out


def judge(setup: Setup, base: Baseline, path: Path, buggy: str, original: str, s: dict, hidden: set[str],
          timeout: float) -> dict:
    """One suggestion applied to the bug, the whole suite run: correct iff every test that passed on the
    pristine code passes (the held-back ones included). Call with the bug in the tree."""
    fixed = apply_lsp_edits(buggy, s.get("edits", []))
    with patched(path, fixed, buggy):  # back to the bug for the next one
        res = setup.pytest([a for t in base.not_passed for a in ("--deselect", t)], timeout=timeout)
    broken = res.broken(base.passed)
    return {"id": s.get("id"), "title": s.get("title"), "origin": s.get("origin"), "shown": bool(s.get("shown")),
            "p_accept": s.get("p_accept"), "correct": res.returncode is not None and not broken,
            "broken": broken[:5], "broken_hidden": sum(1 for t in broken if t in hidden),
            "restores_original": fixed == original, "features": s.get("features") or {},
            "validation": s.get("validation")}


def confirm_doctests(setup: Setup, rel: str, reported: list[str], buggy: str, timeout: float) -> list[str]:
    """The reported `doctest:<name>` failures that plain `pytest --doctest-modules <module>` confirms:
    the doctest fails on the bug and passes on the pristine module. Call with the bug in the tree."""
    path = setup.root / rel
    on_bug = setup.pytest([rel, "--doctest-modules"], timeout=timeout).outcomes
    with patched(path, (setup.pristine / rel).read_text(), buggy):
        on_pristine = setup.pytest([rel, "--doctest-modules"], timeout=timeout).outcomes

    def ids(name: str) -> list[str]:
        return [n for n in on_bug if n.endswith(("." + name, "::" + name))]

    return [t for t in reported
            if any(is_failing(on_bug[n]) and on_pristine.get(n) == "passed" for n in ids(t.split(":", 1)[1]))]


def pristine_check(setup: Setup, base: Baseline, tracefix: Tracefix, module: str, timeout: float,
                   cache_dir: Path | None = None) -> dict:
    """tracefix on an unmodified module: it should find tests and report no failure other than
    the ones plain pytest also has on the pristine code."""
    report, info = debug_once(setup, tracefix, module, timeout, cache_dir)
    out = {"module": module, **info, **summarize_report(report), "report_ok": report is not None}
    out["false_failures"] = [t for t in out["failing_reported"] if t not in base.not_passed]
    out["shown"] = sum(1 for s in (report or {}).get("suggestions", []) if s.get("shown"))
    return out
