"""A failure is only repaired once it also reproduces untraced (confirm.py), end to end through
`tracefix debug` in real child interpreters.

A test that fails only because it is traced is built on purpose: it checks that no trace
function (3.11) or monitoring tool (3.12+) is installed.
"""
import glob
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tracefix.confirm import TRACED_ONLY

TRACEFIX = [sys.executable, "-m", "tracefix"]

TRACING = '''
    import sys


    def tracing():
        if hasattr(sys, "monitoring"):
            return any(sys.monitoring.get_tool(i) is not None for i in range(6))
        return sys.gettrace() is not None
'''


def _newest(pattern):
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{pattern}/bin/python")))
    return found[-1] if found else None


def interpreters():
    out = [pytest.param(None, id="3.11")]
    for name in ("3.12", "3.13"):
        path = _newest(name + ".*")
        out.append(pytest.param(path, id=name, marks=[] if path else pytest.mark.skip(reason=f"no Python {name}")))
    return out


def debug(tmp_path, source, *args, python=None):
    doc = tmp_path / "mod.py"
    doc.write_text(textwrap.dedent(source))
    cmd = TRACEFIX + ["debug", str(doc), *args] + (["--python", python] if python else [])
    return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)


def as_json(done):
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert report["schema"] == 1
    for t in report["tests"]:
        assert set(t) == {"id", "outcome", "message", "line", "duration_ms"}
        assert t["outcome"] in ("passed", "failed", "error", "timeout", "skipped")
    return report, {t["id"].split("::")[-1]: t for t in report["tests"]}


@pytest.mark.parametrize("python", interpreters())
def test_a_failure_seen_only_when_traced_is_named_and_never_fixed(tmp_path, python):
    source = TRACING + '''

    def count(n):
        total = 0
        for i in range(n):
            total += 1
        return total


    def test_count():
        assert count(3) == 3


    def test_runs_untraced():
        assert count(2) == 2
        assert not tracing()
    '''
    report, tests = as_json(debug(tmp_path, source, "--json", python=python))
    t = tests["test_runs_untraced"]
    assert t["outcome"] == "error" and t["message"].startswith(TRACED_ONLY + ": traced failed"), t
    assert t["message"].endswith("untraced passed"), t
    assert tests["test_count"]["outcome"] == "passed"
    # Nothing to localize and nothing to fix: any edit would have "fixed" it untraced.
    assert report["suggestions"] == [] and report["blocks"] == []
    assert any(TRACED_ONLY in m for m in report.get("messages", [])), report

    text = debug(tmp_path, source, python=python)
    assert text.returncode == 1 and f"ERROR mod.py::test_runs_untraced: {TRACED_ONLY}" in text.stdout, text.stdout
    assert "Suggested fix" not in text.stdout


def test_a_real_failure_next_to_a_traced_only_one_is_still_fixed(tmp_path):
    source = TRACING + '''

    def add(a, b):
        return a - b


    def test_add():
        assert add(2, 3) == 5


    def test_add_zero():
        assert add(4, 0) == 4


    def test_runs_untraced():
        assert add(1, 0) == 1
        assert not tracing()
    '''
    report, tests = as_json(debug(tmp_path, source, "--json"))
    assert tests["test_add"]["outcome"] == "failed"
    assert tests["test_runs_untraced"]["message"].startswith(TRACED_ONLY), tests
    traced_only = tests["test_runs_untraced"]["id"]
    assert report["suggestions"], "the real bug still gets a validated fix"
    for s in report["suggestions"]:
        assert traced_only not in s["validation"]["fixed"] and not s["validation"]["broken"], s
    assert any(s["validation"]["fixed"] == [tests["test_add"]["id"]] for s in report["suggestions"])
    # Localization used only the confirmed failure: no visit of the traced-only test is shown.
    assert all(v["test"] != traced_only for b in report["blocks"] for v in b["visits"])


def test_a_failure_that_depends_on_test_order_is_not_called_traced_only(tmp_path):
    source = '''
    SEEN = []


    def push(x):
        SEEN.append(x)
        return len(SEEN)


    def test_first():
        assert push(1) == 1


    def test_second():
        assert push(2) == 1
    '''
    report, tests = as_json(debug(tmp_path, source, "--json", "--no-repair"))
    # Alone, test_second passes; in its usual order, untraced, it fails: a real failure.
    assert tests["test_second"]["outcome"] == "failed", tests
    assert TRACED_ONLY not in tests["test_second"]["message"]
    assert tests["test_first"]["outcome"] == "passed"
    assert report["blocks"], "it is localized like any failure"
