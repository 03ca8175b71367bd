"""`tracefix debug` end to end through the real console script."""
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
TRACEFIX = [sys.executable, "-m", "tracefix"]


def debug(*args, cwd=ROOT, timeout=180):
    return subprocess.run(TRACEFIX + ["debug", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def check_schema(report):
    assert report["schema"] == 1
    assert set(report) >= {"schema", "file", "python", "tests", "blocks", "suggestions", "timing_ms"}
    for t in report["tests"]:
        assert set(t) == {"id", "outcome", "message", "line", "duration_ms"}
        assert t["outcome"] in ("passed", "failed", "error", "timeout", "skipped")
    for b in report["blocks"]:
        assert set(b) >= {"id", "function", "start_line", "end_line", "suspiciousness", "verdict", "explanation",
                          "visits"}
        assert 0 <= b["suspiciousness"] <= 1 and b["verdict"] in ("incorrect", "correct", "unknown")
        for v in b["visits"]:
            assert {"test", "iteration", "before", "after"} <= set(v)
    for s in report["suggestions"]:
        assert set(s) >= {"id", "origin", "title", "explanation", "diff", "edits", "validation", "p_accept", "shown",
                          "reason"}
        for e in s["edits"]:
            assert set(e) == {"range", "newText"}
            assert set(e["range"]["start"]) == {"line", "character"}


@pytest.mark.parametrize("name, failing", [("stats.py", 3), ("inventory.py", 1), ("grading.py", 1)])
def test_examples_json(tmp_path, name, failing):
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    done = debug(str(tmp_path / "ex" / name), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    check_schema(report)
    assert sum(t["outcome"] != "passed" for t in report["tests"]) == failing
    assert report["blocks"], "a failing run must rank blocks"
    top = report["blocks"][0]
    assert top["function"] != "<module>" and not top["function"].startswith("test")
    # The file on disk is never modified by a debug run.
    assert (tmp_path / "ex" / name).read_text() == open(os.path.join(EXAMPLES, name)).read()


def test_human_output_shows_trace_top_block_and_fix(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    # --all: the rendering of a fix is under test here, not the decide step's threshold (tests/test_decide.py).
    done = debug(str(tmp_path / "ex" / "grading.py"), "--color", "never", "--all")
    assert done.returncode == 1
    out = done.stdout
    assert "FAILED grading.py::test_top_scores" in out
    assert "block-by-block trace" in out and "score=90" in out
    assert "Most suspicious:" in out
    assert "+    if score >= 90:" in out


def test_a_fix_held_at_the_knob_is_named_in_one_line(tmp_path):
    """At a knob no fix reaches, the human output names the best validated fix, its re-run and why it was held,
    and shows no diff; at 0 the same fix is shown as a suggestion."""
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    held = debug(str(tmp_path / "ex" / "stats.py"), "--color", "never", "--precision", "1")
    assert held.returncode == 1
    line = next(x for x in held.stdout.splitlines() if x.startswith("Held back: "))
    assert "Use `len(values)` instead of `len(values) - 1` (re-run: 5/5 tests pass)" in line and "--all" in line
    assert "Suggested fix" not in held.stdout and "+++ b/stats.py" not in held.stdout
    shown = debug(str(tmp_path / "ex" / "stats.py"), "--color", "never", "--precision", "0")
    assert "Suggested fix: Use `len(values)`" in shown.stdout and "Held back: " not in shown.stdout


def test_passing_file_exits_zero(tmp_path):
    (tmp_path / "ok.py").write_text("def one():\n    return 1\n\ndef test_one():\n    assert one() == 1\n")
    done = debug(str(tmp_path / "ok.py"), "--json")
    assert done.returncode == 0
    report = json.loads(done.stdout)
    assert [t["outcome"] for t in report["tests"]] == ["passed"] and report["suggestions"] == []


def test_single_test_selection(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    done = debug(str(tmp_path / "ex" / "stats.py"), "--json", "--no-repair", "--test", "test_spread")
    assert done.returncode == 0
    assert [t["id"] for t in json.loads(done.stdout)["tests"]] == ["test_stats.py::test_spread"]


@pytest.mark.parametrize("args, message", [
    (["/nonexistent/x.py"], "no such file"),
    (["examples/stats.py", "--python", "/nonexistent/python"], "Python interpreter not found"),
    (["examples/stats.py", "--test", "test_nothing_like_it"], "no test matches"),
    (["examples/stats.py", "--precision", "7"], "invalid value"),
    (["examples/stats.py", "--llm"], "--llm needs --base-url"),
])
def test_usage_errors_are_one_line_exit_2(args, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEFIX_LLM")}
    done = subprocess.run(TRACEFIX + ["debug", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_syntax_error_file_is_reported_not_crashed(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    return 1\n\ndef test_f():\n    assert f() == 1\n")
    done = debug(str(tmp_path / "broken.py"), "--json")
    assert "Traceback" not in done.stderr
    assert done.returncode == 2
    assert done.stderr.startswith("tracefix: syntax error at line 1")


def test_other_interpreter(tmp_path):
    py = "/root/.pyenv/versions/3.12.1/bin/python"
    if not os.path.exists(py):
        pytest.skip("python3.12 not installed")
    shutil.copytree(EXAMPLES, tmp_path / "ex")
    done = debug(str(tmp_path / "ex" / "grading.py"), "--json", "--no-repair", "--python", py)
    report = json.loads(done.stdout)
    assert report["python"].startswith("3.12")
    assert [t["outcome"] for t in report["tests"]] == ["failed", "passed", "passed"]
