"""The tests that are the document itself, run without pytest: its doctests and its ``__main__`` block.

Part of the probe (see runner.py): stdlib only, Python 3.9+, run inside the user's interpreter.
"""
from __future__ import annotations

import io
import os
import sys
import time

from _tracefix_contract import KIND_DOCTEST, KIND_SCRIPT, Job, Result
from _tracefix_outcomes import MESSAGE_CHARS, exc_info, exc_text, safe_str
from _tracefix_project_files import module_name


def _import_root(name, target):
    """The folder from which ``name`` imports as the file ``target``, or None if they disagree."""
    parts = name.split(".")
    path = os.path.abspath(target)
    folder, file = os.path.split(path)
    if file == "__init__.py":
        tail = parts
    else:
        if os.path.splitext(file)[0] != parts[-1]:
            return None
        tail = parts[:-1]
    for part in reversed(tail):
        folder, last = os.path.split(folder)
        if last != part:
            return None
    return folder


def run_doctests(job, watch):
    import doctest
    import importlib

    wanted = [t for t in job[Job.TESTS] if t[Job.TEST_KIND] == KIND_DOCTEST]
    if not wanted:
        return
    name = module_name(job)
    base = _import_root(name, job[Job.TARGET])
    if base is not None and base not in sys.path:
        # Import as package.module (relative imports work) and from the document's own tree.
        sys.path.insert(0, base)
    try:
        module = importlib.import_module(name)
    except BaseException as exc:  # the module itself fails to import
        for t in wanted:
            watch.results.add({Result.ID: t[Job.TEST_ID], Result.OUTCOME: "error",
                               Result.MESSAGE: "import failed: " + exc_text(exc),
                               Result.EXCEPTION: exc_info(exc, job[Job.TARGET])})
        return
    by_name = {}
    for test in doctest.DocTestFinder().find(module):
        if not test.examples:
            continue
        if test.name == module.__name__:  # the module's own docstring
            for alias in (module.__name__, name.rsplit(".", 1)[-1]):
                by_name["doctest:" + alias] = test
        else:
            by_name["doctest:" + test.name[len(module.__name__) + 1:]] = test
    for t in wanted:
        test = by_name.get(t[Job.TEST_ID])
        if test is None:
            watch.results.error(t[Job.TEST_ID], "doctest not found")
            continue
        _run_one_doctest(doctest, t[Job.TEST_ID], test, job[Job.TARGET], watch)


def _run_one_doctest(doctest, test_id, test, target, watch):
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    exc_seen = []
    original = runner.report_unexpected_exception

    def report_unexpected(out_, test_, example, exc_info, _orig=original):
        exc_seen.append(exc_info[1])
        return _orig(out_, test_, example, exc_info)

    runner.report_unexpected_exception = report_unexpected
    watch.begin(test_id)
    started = time.perf_counter()
    saved = sys.stdout
    stopped = None
    try:
        res = runner.run(test, out=out.write, clear_globs=True)
    except KeyboardInterrupt as exc:  # doctest lets it through; it ends this doctest only
        stopped = exc
    finally:
        sys.stdout = saved
    exc = stopped or (exc_seen[0] if exc_seen else None)
    if stopped is not None:
        outcome, message = "error", exc_text(stopped) + " was raised in the doctest"
    elif res.failed:
        outcome, message = "failed", _doctest_message(out.getvalue())
    else:
        outcome, message = "passed", ""
    watch.end({Result.ID: test_id, Result.OUTCOME: outcome, Result.MESSAGE: message,
               Result.DURATION_MS: (time.perf_counter() - started) * 1000,
               Result.EXCEPTION: exc_info(exc, target), Result.COMPARISON: None})


def _doctest_message(text):
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    try:
        i = lines.index("Expected:")
        j = lines.index("Got:")
        expected = " ".join(x.strip() for x in lines[i + 1:j])
        got = " ".join(x.strip() for x in lines[j + 1:j + 3])
        return ("expected " + expected + ", got " + got)[:MESSAGE_CHARS]
    except ValueError:
        tail = [line for line in lines if not line.startswith("*")]
        return (tail[-1] if tail else "doctest failed")[:300]


def run_script(job, watch):
    import runpy

    wanted = [t for t in job[Job.TESTS] if t[Job.TEST_KIND] == KIND_SCRIPT]
    if not wanted:
        return
    t = wanted[0]
    watch.begin(t[Job.TEST_ID])
    started = time.perf_counter()
    exc = None
    saved_argv = sys.argv
    sys.argv = [job[Job.TARGET]]
    try:
        runpy.run_path(job[Job.TARGET], run_name="__main__")
        outcome = "passed"
    except SystemExit as e:
        # A script's exit status is its verdict.
        outcome = "passed" if e.code in (None, 0) else "failed"
        if outcome == "failed":
            exc = e
    except KeyboardInterrupt as e:
        outcome, exc = "error", e
    except BaseException as e:
        outcome, exc = "failed", e
    finally:
        sys.argv = saved_argv
    message = ""
    if exc is not None:
        message = (type(exc).__name__ + ": " + safe_str(exc)).strip().rstrip(":")[:300]
    watch.end({Result.ID: t[Job.TEST_ID], Result.OUTCOME: outcome, Result.MESSAGE: message,
               Result.DURATION_MS: (time.perf_counter() - started) * 1000,
               Result.EXCEPTION: exc_info(exc, job[Job.TARGET]), Result.COMPARISON: None})
