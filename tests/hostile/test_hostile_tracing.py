"""Issue 12, tracing without side effects: traced and untraced verdicts agree, no fix for a passing test.

Correct code with tests that pass untraced but would fail if the tracer ran user code while
rendering values (traced_side_effects.py, blocking_repr.py). Through the real CLI with
repair on: every test passes, exit 0, no fix shown. And a test that does fail only when
traced (it inspects the tracer itself) is never "fixed".
"""
from __future__ import annotations

import shutil

import pytest

import cases
import world

pytestmark = pytest.mark.slow

HERE = world.HERE


def _run(tmp_path, name: str, timeout: str = "20") -> world.Cli:
    doc = tmp_path / name
    shutil.copy(HERE / name, doc)
    return world.debug(doc, cases.secret_env(), "--timeout", timeout, "--repair-seconds", "30")


def test_side_effect_heavy_code_passes_traced_as_untraced(tmp_path):
    run = _run(tmp_path, "traced_side_effects.py")
    assert not run.hung and "Traceback (most recent call last)" not in run.stderr, run.stderr[-500:]
    failing = {name: o for name, o in run.by_name.items() if o != "passed"}
    assert failing == {}, (failing, run.messages[:4])
    assert len(run.by_name) == 7
    assert (run.report or {}).get("suggestions", []) == []
    assert run.returncode == 0


def test_a_blocking_repr_is_not_a_timeout(tmp_path):
    run = _run(tmp_path, "blocking_repr.py", timeout="10")
    assert not run.hung
    assert run.by_name == {"test_wrap": "passed"}, (run.outcomes, run.messages[:3])
    assert (run.report or {}).get("suggestions", []) == [] and run.returncode == 0


TRACER_ONLY = '''import sys


def limit(n):
    return n + 1


def test_fails_only_when_traced():
    # Any tracer (sys.settrace or sys.monitoring) makes this fail; untraced it passes.
    traced = sys.gettrace() is not None
    if hasattr(sys, "monitoring"):
        traced = traced or any(sys.monitoring.get_tool(i) for i in range(6))
    assert limit(1) == 2 and not traced
'''


def test_a_failure_seen_only_under_tracing_is_never_fixed(tmp_path):
    """The issue's case: traced runs fail, untraced validation passes, so any harmless edit looks like a fix."""
    doc = tmp_path / "tracer_only.py"
    doc.write_text(TRACER_ONLY)
    run = world.debug(doc, cases.secret_env(), "--timeout", "20", "--repair-seconds", "30")
    assert not run.hung and "Traceback (most recent call last)" not in run.stderr, run.stderr[-500:]
    offered = [s["title"] for s in (run.report or {}).get("suggestions", [])]
    assert offered == [], f"a fix offered (shown or held) for a test that passes untraced: {offered}"
    said = " ".join(run.messages).lower()
    assert "trac" in said, f"nothing says the failure is seen only under tracing: {run.messages[:4]}"
