"""Run a document's tests in a jailed child, in place in its project, and read back block-level traces
(DESIGN.md §1 step 3).

The child runs from the project root with the project's interpreter, conftest chain,
ini options and plugins, and sees the editor's text at the document's real path
through the jail's overlay (child.py); the file on disk is never written.
"""
from __future__ import annotations

import os
import re
import sys
import threading
from dataclasses import replace

from tracefix import child, contract, mentions, project as project_mod
from tracefix.config import Settings
from tracefix.contract import Budget, Job, Rec, Result, Trace
from tracefix.model import RunResult, Segmentation, TestCase, TestResult, TraceGaps, Visit

FILE_LIMIT_BYTES = child.FILE_LIMIT_BYTES


def run_tests(path: str, text: str, seg: Segmentation, tests: list[TestCase], settings: Settings,
              python: str | None = None, cancel: threading.Event | None = None, trace: bool = True,
              budgets: dict | None = None, backend: str = "auto",
              project: project_mod.Project | None = None) -> RunResult:
    """Run ``tests`` against ``text`` (the document at ``path``) in a child; never raises for user-code problems."""
    project = project or project_mod.find(path, settings.python)
    python = python or project.python or sys.executable
    names = mentions.names_by_block(text, seg)
    job = {
        Job.MODE: contract.MODE_RUN,
        Job.TARGET: os.path.realpath(path),
        Job.MODULE: project_mod.module_name(path, project.import_roots),
        Job.SYS_PATH: list(project.import_roots),
        Job.TESTS: [{Job.TEST_ID: t.id, Job.TEST_KIND: t.kind} for t in tests],
        Job.PYTEST_ARGS: project.pytest_args(),
        Job.TRACE: trace,
        Job.COVERAGE_MAP: trace,
        Job.LEADERS: {str(b.leader_line): b.id for b in seg.blocks if b.leader_line},
        Job.LINES: {str(line): block for line, block in seg.line_map().items()},
        Job.NAMES: names,
        Job.BUDGETS: {Budget.LOOP_LEADERS: [b.leader_line for b in seg.blocks if b.kind in ("for", "while")],
                      **(budgets or {})},
        Job.BACKEND: backend,
    }
    outcome = child.run_job(project, python, job, settings, path, text, cancel)
    return _read_result(outcome, tests, seg, path, project, settings, names)


def _read_result(outcome: child.JobOutcome, tests: list[TestCase], seg: Segmentation, path: str,
                 project: project_mod.Project, settings: Settings,
                 names: dict[str, list[str]] | None = None) -> RunResult:
    data = collect_records(outcome.records)
    fix = _path_fixer()
    ch = outcome.child
    run = RunResult(python=str(data.get(Rec.PYTHON, "")), tests=[], stdout=fix(ch.stdout), stderr=fix(ch.stderr),
                    duration_ms=ch.duration_ms, backend=str(data.get(Rec.BACKEND, "")),
                    backend_reason=str(data.get(Rec.BACKEND_REASON, "")))
    run.files = data["files"]
    run.protections = outcome.protections
    origins = {t.id: t for t in tests}
    mentioned = {b: set(n) for b, n in (names or {}).items()}
    seen = set()
    for raw in data["tests"]:
        if raw.get("id") in seen:
            continue  # a record written twice (a retried run) counts once
        test = _test_result(raw, seg, fix, origins, path, project)
        run.tests.append(test)
        seen.add(test.id)
        trace = data["traces"].get(test.id)
        if trace:
            visits = [(b, _visit(test.id, rec, mentioned.get(b, set()))) for b, rec in trace[Trace.VISITS]]
            run.traces[test.id] = _complete_last_visits(visits, mentioned)
            run.spectra[test.id] = set(trace[Trace.SPECTRUM])
            gaps = _gaps(trace)
            if gaps.skipped or gaps.truncated:
                run.gaps[test.id] = gaps
    if outcome.problem:
        run.error = outcome.problem
    elif data.get(Rec.CRASH) or not data.get(Rec.DONE):
        run.error = _failure_reason(ch, data, settings, fix)
    _account_for_silent_tests(run, data, tests, seen, ch, path, project)
    return run


def collect_records(records: list[dict]) -> dict:
    """The probe's result lines as one dict: tests in order, traces by id, the tests that started."""
    data: dict = {"tests": [], "traces": {}, "started": [], "files": {}}
    for record in records:
        if Rec.TEST in record and isinstance(record[Rec.TEST], dict):
            test = record[Rec.TEST]
            data["tests"].append(test)
            if record.get(Rec.TRACE) is not None:
                data["traces"][test.get(Result.ID)] = record[Rec.TRACE]
            if isinstance(test.get(Result.FILES), list):
                data["files"][test.get(Result.ID)] = test[Result.FILES]
        elif Rec.START in record:
            data["started"].append(record[Rec.START])
        elif isinstance(record.get(Rec.PLANNED), list):
            data["planned"] = [str(t) for t in record[Rec.PLANNED]]
        else:
            data.update(record)  # the header, the pytest version, the last record (done, crash)
    return data


def _account_for_silent_tests(run: RunResult, data: dict, tests: list[TestCase], seen: set, ch, path: str,
                              project: project_mod.Project) -> None:
    """A test that did not report is never passed: the one running when the process died is an error of
    its own, the ones that never started are reported as not run."""
    reported = {t.split("[")[0] for t in seen} | seen
    running = [t for t in data["started"] if t not in seen]
    why = run.error or "the test process ended before reporting"
    for test_id in running:
        outcome = "timeout" if ch.timed_out else "error"
        message = why if ch.timed_out else f"the test process ended while this test ran: {why}"
        run.tests.append(TestResult(test_id, outcome, message, file=_test_file(test_id, path, project)))
        seen.add(test_id)
        reported.add(test_id)
    if run.error or not data.get(Rec.DONE):
        for test_id in data.get("planned", []):
            if test_id not in seen:  # planned by pytest, never started: the process ended before it
                run.tests.append(TestResult(test_id, "error", f"not run: {why}", file=_test_file(test_id, path, project)))
                seen.add(test_id)
                reported.add(test_id)
    for t in tests:
        if t.id in reported or t.id.split("[")[0] in reported or _file_level_seen(t, seen):
            continue
        if not run.error and t.kind == contract.KIND_PYTEST and data.get(Rec.DONE):
            run.tests.append(TestResult(t.id, "error", "not run: pytest did not run or report this test",
                                        file=t.file, test_line=t.line))
        elif run.error:
            outcome = "timeout" if ch.timed_out else "error"
            run.tests.append(TestResult(t.id, outcome, run.error if running == [] else f"not run: {why}",
                                        file=t.file, test_line=t.line))


def _file_level_seen(case: TestCase, seen: set) -> bool:
    """A file or class given as one TestCase reports as its tests' node ids."""
    return any(s.startswith(case.id + "::") for s in seen)


def _test_file(test_id: str, path: str, project: project_mod.Project) -> str:
    if "::" in test_id:
        return os.path.join(project.root, test_id.split("::", 1)[0])
    return os.path.realpath(path)


def _failure_reason(child: child.sandbox.ChildResult, data: dict, settings: Settings, fix) -> str:
    jail = [line for line in child.stderr.splitlines() if line.startswith("tracefix-jail:")]
    if jail:
        return "the sandbox could not be set up: " + jail[-1].split(":", 1)[1].strip()[:300]
    if child.timed_out:
        return f"tests did not finish within {settings.timeout:g} s (an infinite loop?); the run was stopped"
    if data.get(Rec.CRASH):
        return "the test runner failed: " + fix(data[Rec.CRASH].strip().splitlines()[-1])
    if child.signal_name:
        return f"the test process was killed by {child.signal_name} (a crash in native code or a resource limit)"
    lines = [line.strip() for line in child.stderr.strip().splitlines() if line.strip()]
    if any("MemoryError" in line for line in lines[-5:]):
        return f"the tests ran out of memory (limit {settings.memory_mb} MB)"
    # The last line of a traceback says what happened; warnings and other chatter do not.
    errors = [line for line in lines if re.match(r"^[\w.]*(Error|Exception|Exit)\b", line)]
    if errors:
        return "the test process stopped early: " + fix(errors[-1])[:300]
    return (f"the test process exited with code {child.returncode} before reporting results "
            f"(os._exit or sys.exit in the code under test?)")


def _path_fixer():
    """Scratch folders mean nothing to the user: name them so."""
    pattern = re.compile(r"/[^\s'\"]*tracefix-(?:run|warm)-[^/\s'\"]+(?:/[^\s'\"]*)?")

    def fix(text: str) -> str:
        return pattern.sub("<scratch>", text) if text else text

    return fix


def _test_result(raw: dict, seg: Segmentation, fix, origins: dict, path: str,
                 project: project_mod.Project) -> TestResult:
    exc = raw.get(Result.EXCEPTION)
    line = 0
    if exc:
        line = exc.get("line", 0) or 0
        block = seg.block_at(line) if line else None
        exc = {**exc, "message": fix(exc.get("message", "")), "block": block.id if block else None}
    test_id = raw.get(Result.ID, "?")
    origin = origins.get(test_id) or origins.get(test_id.split("[")[0])
    message = fix(raw.get(Result.MESSAGE, ""))
    if "[Errno 27]" in message:  # EFBIG from RLIMIT_FSIZE: say what the user did, not what the OS said
        message = (f"output limit reached: the code wrote more than {FILE_LIMIT_BYTES // 2**20} MB to one file or "
                   f"to its output, and the write failed ({message[:120]})")
    return TestResult(id=test_id, outcome=raw.get(Result.OUTCOME, "error"), message=message,
                      line=line, duration_ms=raw.get(Result.DURATION_MS, 0.0),
                      file=origin.file if origin else _test_file(test_id, path, project),
                      test_line=origin.line if origin else int(raw.get(Result.LINE, 0) or 0),
                      exception=exc, comparison=raw.get(Result.COMPARISON))


def _visit(test_id: str, rec: dict, mentioned: set[str]) -> Visit:
    before, after = _carry_unmentioned(rec.get(Trace.BEFORE, {}), rec.get(Trace.AFTER, {}), mentioned)
    return Visit(test=test_id, iteration=rec.get(Trace.ITERATION, 0), before=before, after=after,
                 call=rec.get(Trace.CALL, 0), depth=rec.get(Trace.DEPTH, 0), returned=rec.get(Trace.RETURNED),
                 raised=rec.get(Trace.RAISED))


def _carry_unmentioned(before: dict, after: dict, mentioned: set[str]) -> tuple[dict, dict]:
    """Both sides of a visit with the names its block does not mention.

    The probe renders at each boundary what the block ending and the block starting mention, so a
    visit's "before" holds names of the block before it and its "after" names of the block after it.
    A name the block does not mention kept its value through the visit: shown on both sides, it
    cannot look set by this block (a call's first visit renders every local)."""
    only_after = {k: v for k, v in after.items() if k not in before and k not in mentioned}
    only_before = {k: v for k, v in before.items() if k not in after and k not in mentioned}
    return ({**before, **only_after} if only_after else before), ({**after, **only_before} if only_before else after)


def _complete_last_visits(visits: list[tuple[str, Visit]], mentioned: dict[str, set[str]]) -> list[tuple[str, Visit]]:
    """Each call's last visit, with every local the call's visits rendered.

    The probe renders at a call's end only what its last block mentions; a local that block does
    not mention still holds the value the call's visits last rendered for it (a name is only
    rebound by a block that mentions it, and that block's end renders it). The repair search looks
    there for a variable that already holds what a failing test expected (``return y``, not
    ``return x``)."""
    known: dict[int, dict[str, str]] = {}  # call -> each name as its visits last rendered it
    last: dict[int, int] = {}
    for i, (_block, visit) in enumerate(visits):
        names = known.setdefault(visit.call, {})
        names.update(visit.before)
        names.update(visit.after)
        last[visit.call] = i
    out = list(visits)
    for call, i in last.items():
        block, visit = out[i]
        missing = {k: v for k, v in known[call].items()
                   if k not in visit.after and k not in visit.before and k not in mentioned.get(block, ())}
        if missing:
            out[i] = (block, replace(visit, before={**visit.before, **missing}, after={**visit.after, **missing}))
    return out


def _gaps(trace: dict) -> TraceGaps:
    """The probe's skipped/truncated counters of one test, kept only where they have the contract's shape."""
    skipped = trace.get(Trace.SKIPPED)
    truncated = trace.get(Trace.TRUNCATED)
    skipped = skipped if isinstance(skipped, dict) else {}
    return TraceGaps(skipped={str(b): n for b, n in skipped.items() if type(n) is int and n > 0},
                     truncated=[str(c) for c in truncated][:10] if isinstance(truncated, list) else [])
