"""The hostile corpus as data, and the checks every case must pass (issue 8).

Shared by tests/test_hostile.py and bench/hostile.py: a case names the files to put in a
fresh folder, the message the user should get, and which leftovers to look for. The
checks return a list of problems (empty = the case passed) so the tests can assert and the
benchmark can count.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generated  # noqa: E402  (next to this file)

# Planted in the environment of every tracefix process we start; none may ever show up in an output.
SECRETS = {
    "OPENAI_API_KEY": "sk-test-secret",
    "AWS_SECRET_ACCESS_KEY": "aws-test-secret-0123456789",
    "GITHUB_TOKEN": "ghp_testsecret0123456789",
}
SECRET_VALUES = tuple(SECRETS.values())
RUN_TIMEOUT = 3.0  # seconds for one child run (the --timeout / timeoutSeconds we set)
REPAIR_SECONDS = 2.0
# A CLI call may take several child runs (the run, repair validation) on a heavily shared
# machine; past this it counts as hung. Generous on purpose: this catches hangs, not slowness.
CLI_WALL_LIMIT = 60.0
MESSAGE_LIMIT = 4000  # "one clear message": a line, not a wall of text


@dataclass
class Case:
    name: str
    files: tuple[str, ...] = ()  # corpus files copied into the case folder; the first is the document
    make: str = ""  # or: a generator in generated.py that writes the document
    expect: str = ""  # regex the user's message(s) must match
    marker: str = ""  # env var planted by processes the case leaves behind; none may survive
    expect_outcomes: tuple[str, ...] = ()  # at least one test with one of these outcomes
    cli_only: bool = False  # the problem is the file's bytes on disk; an editor sends decoded text
    wall: float = 0.0  # CLI wall limit for this case when it differs from CLI_WALL_LIMIT

    def materialize(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if self.make:
            return getattr(generated, self.make)(folder)
        for f in self.files:
            shutil.copy(HERE / f, folder / f)
        return folder / self.files[0]


CASES = [
    Case("infinite_loop", ("infinite_loop.py",), expect=r"did not finish within", expect_outcomes=("timeout",)),
    Case("deep_recursion", ("deep_recursion.py",), expect=r"did not finish|RecursionError|recursion|SIGSEGV"),
    Case("memory_bomb", ("memory_bomb.py",), expect=r"memory|MemoryError|did not finish"),
    Case("fork_bomb", ("fork_bomb.py",), expect=r"assert|did not finish", marker="TRACEFIX_HOSTILE_FORK"),
    Case("setsid_escape", ("setsid_escape.py",), expect=r"daemon|did not finish", marker="TRACEFIX_HOSTILE_ESCAPE"),
    Case("output_flood", ("output_flood.py",), expect=r"flooded|did not finish|output"),
    Case("huge_message", ("huge_message.py",), expect=r"AAAA|assert", expect_outcomes=("failed",)),
    Case("reads_input", ("reads_input.py",), expect=r"stdin|EOF", expect_outcomes=("failed", "error")),
    Case("exit_at_import", ("exit_at_import.py",), expect=r"(?i)exit", expect_outcomes=("error", "failed")),
    Case("os_exit_at_import", ("os_exit_at_import.py",), expect=r"exit", expect_outcomes=("error", "failed")),
    Case("ignores_sigterm", ("ignores_sigterm.py",), expect=r"did not finish", expect_outcomes=("timeout",)),
    Case("threads_left_running", ("threads_left_running.py",), expect=r"assert", expect_outcomes=("failed",)),
    Case("writes_home", ("writes_home.py",), expect=r"assert", expect_outcomes=("failed",)),
    Case("reads_secrets", ("reads_secrets.py",), expect=r"\S", expect_outcomes=("failed",)),
    Case("kills_parent", ("kills_parent.py",), expect=r"\S"),
    Case("ctypes_segfault", ("ctypes_segfault.py",), expect=r"SIGSEGV|crash", expect_outcomes=("error",)),
    Case("gigantic_literal", make="gigantic_literal", expect=r"assert|\S", wall=120.0),
    Case("non_utf8", ("non_utf8.py",), expect_outcomes=("passed",), cli_only=True),
    Case("ten_megabytes", make="ten_megabytes", expect=r"\S", wall=30.0),
    Case("syntax_only", ("syntax_only.py",), expect=r"could not be parsed|syntax"),
    Case("empty", ("empty.py",), expect=r"no tests"),
    Case("notebook_cells", ("notebook_cells.py",), expect=r"AssertionError|assert", expect_outcomes=("failed",)),
]
BY_NAME = {c.name: c for c in CASES}


def secret_env(base: dict | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(SECRETS)
    return env


def leaked(text: str) -> list[str]:
    return [s for s in SECRET_VALUES if s in text]


# -- processes a case leaves behind ----------------------------------------------------------------

def marked_pids(marker: str) -> list[int]:
    """Live processes whose environment carries ``marker=``: leftovers of a hostile run."""
    if not marker:
        # An empty marker would match every process on the machine (and kill_marked would kill them all).
        return []
    needle = (marker + "=").encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def survivors(marker: str, settle: float = 5.0) -> list[int]:
    """Marked processes still alive after ``settle`` seconds (killed ones need a moment to be reaped)."""
    if not marker:
        return []
    end = time.monotonic() + settle
    while True:
        pids = marked_pids(marker)
        if not pids or time.monotonic() > end:
            return pids
        time.sleep(0.2)


def kill_marked(marker: str) -> None:
    """Clean up after a failing case: only processes carrying this corpus's own marker."""
    for pid in marked_pids(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# -- the CLI ---------------------------------------------------------------------------------------

@dataclass
class CliRun:
    case: Case
    document: Path
    returncode: int | None
    stdout: str
    stderr: str
    wall_s: float
    hung: bool
    report: dict | None
    home: Path
    survivors: list[int] = field(default_factory=list)
    before: dict = field(default_factory=dict)  # the folder's files: name → (mtime_ns, bytes) before the run
    after: dict = field(default_factory=dict)


def folder_state(folder: Path) -> dict:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()}


def run_cli(case: Case, root: Path, repair: bool = False, python: str = sys.executable) -> CliRun:
    """``tracefix debug DOC --json`` on a fresh copy of the case, with secrets planted and a private HOME."""
    folder = root / case.name
    document = case.materialize(folder)
    home = root / f"{case.name}-home"
    home.mkdir(parents=True, exist_ok=True)
    env = secret_env()
    env["HOME"] = str(home)
    # tracefix's own cache and data live outside HOME here, so that HOME shows only what the child wrote.
    env["TRACEFIX_CACHE_DIR"] = str(root / f"{case.name}-tracefix-cache")
    env.setdefault("TRACEFIX_DATA_DIR", str(root / f"{case.name}-tracefix-data"))
    before = folder_state(folder)
    cmd = [python, "-m", "tracefix", "debug", str(document), "--json", "--timeout", str(RUN_TIMEOUT),
           *(["--repair-seconds", str(REPAIR_SECONDS)] if repair else ["--no-repair"])]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=str(root), start_new_session=True)
    hung = False
    try:
        out, err = proc.communicate(timeout=case.wall or CLI_WALL_LIMIT)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    wall = time.monotonic() - started
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    try:
        report = json.loads(stdout) if stdout.strip() else None
    except ValueError:
        report = None
    run = CliRun(case, document, proc.returncode, stdout, stderr, wall, hung, report, home, before=before)
    run.survivors = survivors(case.marker)
    kill_marked(case.marker) if run.survivors else None
    run.after = folder_state(folder)
    return run


def report_messages(report: dict | None) -> list[str]:
    if not report:
        return []
    out = [report["error"]] if report.get("error") else []
    out += report.get("messages", [])
    out += [t["message"] for t in report.get("tests", []) if t.get("message")]
    return out


def cli_problems(run: CliRun) -> list[str]:
    """Everything wrong with one CLI run of a hostile case (empty list = fine)."""
    case, problems = run.case, []
    if run.hung:
        problems.append(f"hung: no answer within {case.wall or CLI_WALL_LIMIT:.0f} s")
    if run.returncode not in (0, 1, 2, 5):  # 5: no tests exercise the file
        problems.append(f"exit code {run.returncode} (the CLI itself died)")
    if "Traceback (most recent call last)" in run.stderr:
        problems.append("a traceback on stderr: " + run.stderr.strip().splitlines()[-1][:200])
    if run.returncode == 2:
        lines = run.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("tracefix: "):
            problems.append(f"exit 2 without one 'tracefix: ...' line on stderr: {run.stderr[:200]!r}")
        messages = lines
    elif run.returncode in (0, 1, 5):
        if run.report is None or run.report.get("schema") != 1:
            problems.append("stdout is not a schema-1 JSON report")
        messages = report_messages(run.report)
    else:
        messages = []
    if leaked(run.stdout + run.stderr):
        problems.append(f"secret leaked: {leaked(run.stdout + run.stderr)}")
    if case.expect and not any(re.search(case.expect, m) for m in messages):
        problems.append(f"no message matching /{case.expect}/ in {[m[:120] for m in messages]}")
    long = [m for m in messages if len(m) > MESSAGE_LIMIT]
    if long:
        problems.append(f"a message of {len(long[0])} characters (limit {MESSAGE_LIMIT})")
    if any("warnings.warn" in m or "Warning:" in m for m in messages):
        problems.append(f"a Python warning shown as the message: {[m[:120] for m in messages]}")
    if case.expect_outcomes and run.report is not None:
        outcomes = [t["outcome"] for t in run.report.get("tests", [])]
        if not set(outcomes) & set(case.expect_outcomes):
            problems.append(f"outcomes {outcomes}, expected one of {case.expect_outcomes}")
    if run.survivors:
        problems.append(f"{len(run.survivors)} process(es) outlived the run")
    if list(run.home.iterdir()):
        problems.append(f"wrote into the real HOME: {[p.name for p in run.home.iterdir()]}")
    if run.before != run.after:
        problems.append("the user's folder changed: " + ", ".join(sorted(set(run.before) ^ set(run.after)) or
                                                                 [n for n in run.before if run.before[n] != run.after.get(n)]))
    return problems
