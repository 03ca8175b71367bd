"""The language server's plain-data helpers: settings shapes, test-id matching, action filters, CLI args."""
from __future__ import annotations

from tracefix.lsp import main
from tracefix.lsp.code_actions import wanted
from tracefix.lsp.diagnostics import suspects
from tracefix.lsp.settings import Configuration, section_of
from tracefix.lsp.state import matches_test, pick_test
from tracefix.model import Block, Report, ScoredBlock
from tracefix.model import TestResult as Result


def test_section_accepts_both_shapes_and_drops_nulls():
    assert section_of({"tracefix": {"runOn": "type", "interpreter": None}}) == {"runOn": "type"}
    assert section_of({"runOn": "manual", "llm": {"baseUrl": None, "model": "m"}}) == {
        "runOn": "manual", "llm": {"model": "m"}}
    assert section_of(None) == {} and section_of("nonsense") == {}


def test_workspace_settings_override_initialization_options():
    config = Configuration()
    changed, problems = config.update(initial={"runOn": "type", "timeoutSeconds": 5})
    assert changed and not problems and config.settings.run_on == "type"
    config.update(workspace={"tracefix": {"runOn": "manual"}})
    assert config.settings.run_on == "manual" and config.settings.timeout == 5


def test_a_problem_is_reported_once():
    config = Configuration()
    _, problems = config.update(workspace={"runOn": "sometimes"})
    assert len(problems) == 1 and "runOn" in problems[0]
    assert config.settings.run_on == "save"  # the default, not the bad value
    assert config.first_time(problems) == problems
    _, again = config.update(workspace={"runOn": "sometimes"})
    assert config.first_time(again) == []


def test_test_names_match_ids():
    assert matches_test("grading.py::test_top_scores", "test_top_scores")
    assert matches_test("test_stats.py::test_mean[values0-2.5]", "test_mean")
    assert not matches_test("test_stats.py::test_mean_of_two", "test_mean")
    report = Report(file="x.py", python="3", blocks=[], suggestions=[], tests=[
        Result(id="t.py::test_a[0]", outcome="passed"), Result(id="t.py::test_a[1]", outcome="failed")])
    assert pick_test(report, "test_a") == "t.py::test_a[1]"  # failing first
    assert pick_test(report, "test_b") is None


def test_only_filter_is_a_prefix_match():
    assert wanted(None, "quickfix") and wanted(["source"], "source.tracefix.debugWithTrace")
    assert not wanted(["quickfix"], "source.tracefix.debugWithTrace")
    assert not wanted(["source.fixAll"], "source.tracefix.showAllSuggestions")


def test_suspects_keep_the_top_blocks_within_half_of_the_best():
    def sb(i, score):
        return ScoredBlock(block=Block(id=f"f:B{i}", function="f", start_line=i, end_line=i), suspiciousness=score)
    report = Report(file="x.py", python="3", tests=[], suggestions=[],
                    blocks=[sb(1, 0.2), sb(2, 0.9), sb(3, 0.5), sb(4, 0.0), sb(5, 0.46), sb(6, 0.8)])
    assert [b.block.id for b in suspects(report)] == ["f:B2", "f:B6", "f:B3"]


def test_bad_command_line_is_a_usage_error(capsys):
    assert main(["--tcp", "nohost"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err
    assert main(["--no-such-flag"]) == 2


def test_a_fix_reshown_while_typing_is_one_ignore_not_one_per_save(tmp_path, monkeypatch):
    """Ignores lower what gets shown; counting every save would silence tracefix for an active typist."""
    import time

    from tracefix.feedback import FeedbackStore
    from tracefix.lsp.server import TracefixServer
    from tracefix.lsp.state import DocState

    monkeypatch.setenv("TRACEFIX_DATA_DIR", str(tmp_path))
    server = TracefixServer()
    state = DocState(uri="file:///x.py")
    for _ in range(3):  # the same fix shown after three saves, edited past each time
        state.undecided = {"s1": {"key": "k-same", "operator": "cmp"}}
        server._record_ignored(state)
    state.undecided = {"s1": {"key": "k-other", "operator": "cmp"}}
    server._record_ignored(state)
    deadline = time.monotonic() + 5
    while len(FeedbackStore().events()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert sorted(e["key"] for e in FeedbackStore().events()) == ["k-other", "k-same"]
