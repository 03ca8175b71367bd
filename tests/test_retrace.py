"""A failing test whose trace the calls budget cut is traced again alone, deeper (retrace.py), in real
child interpreters: the call that goes wrong, past the budget, is in the trace localization reads."""
import dataclasses
import json
import subprocess
import sys
import textwrap

import pytest

from tracefix import childrun, confirm, discover, retrace, segment
from tracefix.config import Settings
from tracefix.contract import Budget, Cut

from test_probe import available, run as probe_run

# The 71st call of `step` is the wrong one: past the default calls budget, within DEEP_CALLS.
SOURCE = '''
def step(n):
    if n == 70:
        n = n + 1
    return n
'''
TESTS = '''
from mod import step


def test_many():
    for n in range(80):
        assert step(n) == n


def test_few():
    assert step(3) == 3
'''


def _run(tmp_path, python, source=SOURCE, test_source=TESTS, budgets=None):
    doc = tmp_path / "mod.py"
    doc.write_text(textwrap.dedent(source))
    (tmp_path / "test_mod.py").write_text(textwrap.dedent(test_source))
    text = doc.read_text()
    seg = segment.segment(text)
    tests = discover.discover(str(doc), text)
    settings = Settings(timeout=60)
    run = childrun.run_tests(str(doc), text, seg, tests, settings, python=python, budgets=budgets)
    return str(doc), text, seg, tests, settings, run


def _arguments(run, test_suffix):
    (tid,) = [t for t in run.traces if t.endswith(test_suffix)]
    return {v.before.get("n") for b, v in run.traces[tid] if b.startswith("step:")}


@pytest.mark.parametrize("python", available())
def test_the_failing_call_past_the_budget_is_traced_on_the_second_run(tmp_path, python):
    path, text, seg, tests, settings, run = _run(tmp_path, python)
    assert Budget.DEFAULTS[Budget.CALLS_PER_CODE] < 71 <= retrace.DEEP_CALLS
    assert "70" not in _arguments(run, "test_many")  # the first run stopped following step before it
    (many,) = [t for t in run.tests if t.id.endswith("test_many")]
    assert retrace.cut_by_budget(run) == [many.id]
    baseline = confirm.confirm(path, text, seg, tests, run, settings, python=python).baseline
    deeper = retrace.deepen(path, text, seg, tests, baseline, settings, python=python)
    assert "70" in _arguments(deeper, "test_many")
    assert Cut.CALLS not in (deeper.gaps[many.id].truncated if many.id in deeper.gaps else [])
    # The passing test's trace is the first run's: only failing tests are traced again.
    (few,) = [t for t in run.traces if t.endswith("test_few")]
    assert deeper.traces[few] is baseline.traces[few]


def test_nothing_runs_again_when_no_failing_trace_was_cut(tmp_path):
    path, text, seg, tests, settings, run = _run(tmp_path, None)
    # As if the budget had held: no gaps, so the same run comes back (no child would be needed).
    uncut = dataclasses.replace(run, gaps={})
    assert retrace.cut_by_budget(uncut) == []
    assert retrace.deepen(path, text, seg, tests, uncut, settings) is uncut


def test_tracefix_debug_reports_the_call_past_the_budget(tmp_path):
    """End to end: the engine traces the cut failing test again, so the report's top block is the branch the
    71st call took, with that call's values, and the trace is reported as uncut."""
    (tmp_path / "mod.py").write_text(textwrap.dedent(SOURCE))
    (tmp_path / "test_mod.py").write_text(textwrap.dedent(TESTS))
    out = subprocess.run([sys.executable, "-m", "tracefix", "debug", "mod.py", "--json"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    report = json.loads(out.stdout)
    top = report["blocks"][0]
    assert top["id"] == "step:B2"
    assert {"n": "70"} in [v["before"] for v in top["visits"] if v["test"].endswith("test_many")]
    assert report["trace"]["gaps"] == {}


# `double` runs in every test; the last test is the one that fails.
SHARED = '''
def double(n):
    m = n * 2
    if n == 5:
        m = m + 1
    return m
'''
SHARED_TESTS = '''
import pytest
from mod import double


@pytest.mark.parametrize("n", range(6))
def test_double(n):
    assert double(n) == 2 * n
'''


@pytest.mark.parametrize("python", available())
def test_later_tests_keep_the_spectrum_of_a_function_earlier_tests_recorded(tmp_path, python):
    """With TESTS_PER_CODE 2, `double`'s values are in the first two tests' traces only; the later
    tests still say which of its blocks ran, and that its values went unrecorded (Cut.TESTS)."""
    seg, run = probe_run(tmp_path, SHARED, SHARED_TESTS, python=python, budgets={Budget.TESTS_PER_CODE: 2})
    ids = [t.id for t in run.tests]
    assert [t.outcome for t in run.tests] == ["passed"] * 5 + ["failed"]
    recorded = [i for i in ids if any(b.startswith("double:") for b, _ in run.traces.get(i, []))]
    assert recorded == ids[:2]
    assert not any(run.cut_by(i, Cut.TESTS) for i in ids[:2])
    assert all(run.cut_by(i, Cut.TESTS) for i in ids[2:])
    assert "double:B2" in run.spectra[ids[-1]]  # the branch only n == 5 takes
    assert "double:B2" not in run.spectra[ids[0]]
    # Without the per-run budget every test records the values.
    _, full = probe_run(tmp_path, SHARED, SHARED_TESTS, python=python, budgets={Budget.TESTS_PER_CODE: 0})
    assert all(any(b.startswith("double:") for b, _ in full.traces.get(i, [])) for i in ids)


def test_a_failing_test_past_the_per_run_budget_is_traced_again(tmp_path):
    path, text, seg, tests, settings, run = _run(tmp_path, None, SHARED, SHARED_TESTS, {Budget.TESTS_PER_CODE: 2})
    failing = [t.id for t in run.tests if t.failing]
    assert retrace.cut_by_budget(run) == failing
    baseline = confirm.confirm(path, text, seg, tests, run, settings).baseline
    deeper = retrace.deepen(path, text, seg, tests, baseline, settings)
    values = [v.after.get("m") for b, v in deeper.traces[failing[0]] if b == "double:B2"]
    assert values == ["11"]
    assert not deeper.cut_by(failing[0], Cut.TESTS)
