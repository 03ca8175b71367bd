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


def test_fix_titles_are_short_and_say_the_action_first():
    from tracefix.lsp.code_actions import fix_title
    from tracefix.model import Suggestion, Validation

    def title(text, fixed=1):
        return fix_title(Suggestion(id="s1", origin="template", title=text, explanation="", diff="", edits=[],
                                    new_text="", validation=Validation(fixed=["t"] * fixed, broken=[], passed=1,
                                                                       total=1)))
    assert title("Use `>=` instead of `>` in the `score` check") == \
        "Use `>=` instead of `>` in the `score` check (fixes 1 test)"
    assert title("Use `stock.get(item, 0)` so a missing key does not raise KeyError", 2) == \
        "Use `stock.get(item, 0)` (fixes 2 tests)"  # the qualifier goes first
    long = title("Use `a_really_long_expression_name(with, many, arguments, and_more)` instead of `x`")
    assert len(long) <= 60 and long.count("`") % 2 == 0 and "…" in long


def test_a_fix_is_offered_only_on_lines_it_touches():
    from lsprotocol import types

    from tracefix.lsp.code_actions import touches

    def rng(a, b):
        return types.Range(start=types.Position(line=a, character=0), end=types.Position(line=b, character=5))
    assert touches(rng(7, 7), rng(7, 7)) and touches(rng(5, 9), rng(7, 7))
    assert not touches(rng(8, 8), rng(7, 7)) and not touches(rng(0, 0), rng(7, 10))


def test_hover_explanations_drop_block_ids_and_scores():
    from tracefix.lsp.trace_views import readable

    text = ("t expected 'A' but got 'B'. Block letter:B1 (line 8) is suspect #1 (suspiciousness 0.78): ran. "
            "The edit changes `>` to `>=` on line 8.")
    assert readable(text) == "t expected 'A' but got 'B'. The edit changes `>` to `>=` on line 8."


def test_a_rationale_agrees_only_with_the_visit_it_describes():
    from tracefix.lsp.diagnostics import agrees
    from tracefix.model import Visit

    def visit(score, returned=None):
        return Visit(test="t", iteration=0, before={"score": score}, after={"score": score}, returned=returned)
    sentence = "Ran in t with score = 90 on the way to the wrong result 'B' (expected 'A')"
    assert agrees(sentence, visit("90")) and not agrees(sentence, visit("95"))
    assert agrees("Returned 'B' in t, where", visit("90", "'B'")) and not agrees("Returned 'B' in t, w", visit("9", "'A'"))


def test_editor_settings_are_separate_from_the_engines_and_client_only_keys_are_ignored():
    from tracefix.lsp.settings import Configuration

    config = Configuration()
    _, problems = config.update(workspace={"tracefix": {"codeLens": False, "inlayHints": {"enabled": False},
                                                        "trace": {"server": "verbose"}, "runOn": "manual"}})
    assert problems == []
    assert config.default.editor.code_lens is False and config.default.editor.inlay_hints is False
    assert config.default.editor.show_notifications is False  # quiet by default
    changed, _ = config.update_scope("file:///b/x.py", {"runOn": "save"})
    assert changed and config.for_uri("file:///b/x.py").engine.run_on == "save"
    assert config.for_uri("file:///a/y.py").engine.run_on == "manual"  # other scopes keep the base
