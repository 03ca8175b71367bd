"""The language server's plain-data helpers: settings shapes, test-id matching, action filters, CLI args."""
from __future__ import annotations

from pathlib import Path

from tracefix.lsp.serve import main
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


def test_a_fix_reshown_while_typing_is_one_ignore_not_one_per_save():
    """Ignores lower what gets shown; counting every save would silence tracefix for an active typist."""
    from tracefix.lsp.documents import Documents

    store = Documents(lambda uri: None)
    state = store.state("file:///x.py")
    ignored = []
    for _ in range(3):  # the same fix shown after three saves, edited past each time
        state.undecided = {"s1": {"key": "k-same", "operator": "cmp"}}
        ignored += store.edited_past(state)
    state.undecided = {"s1": {"key": "k-other", "operator": "cmp"}}
    ignored += store.edited_past(state)
    assert [f["key"] for f in ignored] == ["k-same", "k-other"]


def _doc(version: int, source: str):
    from types import SimpleNamespace

    return SimpleNamespace(version=version, source=source)


def _snapshot(version: int, text: str, suggestions=()):
    from tracefix.lsp.state import Snapshot

    return Snapshot(uri="file:///x.py", path="/x.py", version=version, text=text,
                    report=Report(file="/x.py", python="3", tests=[], blocks=[], suggestions=list(suggestions)))


def test_a_snapshot_is_shown_only_for_its_text_and_reading_it_changes_nothing():
    from tracefix.lsp.documents import Documents

    docs = {"file:///x.py": _doc(1, "a = 1\n")}
    store = Documents(docs.get)
    state = store.state("file:///x.py")
    store.keep(state, _snapshot(1, "a = 1\n"), final=True)
    assert store.snapshot("file:///x.py").version == 1
    docs["file:///x.py"] = _doc(2, "a = 2\n")  # edited: the result is for other text
    assert store.snapshot("file:///x.py") is None
    docs["file:///x.py"] = _doc(3, "a = 1\n")  # undone back to the debugged text
    seen = store.snapshot("file:///x.py")
    assert seen.version == 3 and seen.text == "a = 1\n"  # stamped with the version the client has now
    assert state.snapshot.version == 1  # a copy: the stored snapshot is untouched
    assert store.snapshot("file:///nowhere.py") is None


def test_accepts_find_fixes_of_replaced_reports_and_undecided_fixes_become_ignores():
    from tracefix.lsp.documents import Documents
    from tracefix.model import Suggestion

    def fix(sid, key, shown=True):
        return Suggestion(id=sid, origin="template", title="t", explanation="", diff="", edits=[], new_text="",
                          shown=shown, features={"key": key})
    docs = {"file:///x.py": _doc(1, "v1")}
    store = Documents(docs.get)
    state = store.state("file:///x.py")
    assert store.keep(state, _snapshot(1, "v1", [fix("s1", "k1"), fix("s2", "k2", shown=False)]), final=True) == []
    store.decided("file:///x.py", "s1")  # accepted: never an ignore
    store.keep(state, _snapshot(2, "v2", [fix("s1", "k3")]), final=True)
    assert store.handed_out("file:///x.py", "s1", 1) == {"key": "k1"}  # the fix of version 1, by its version
    assert store.handed_out("file:///x.py", "s2", None) == {"key": "k2"}
    assert store.handed_out("file:///x.py", "s9", None) is None
    state.show_all = True
    assert [f["key"] for f in store.keep(state, _snapshot(3, "v3"), final=True)] == ["k3"]  # edited past
    assert state.show_all is False  # "show all" was for the text it was asked on


LSP = Path(__file__).resolve().parent.parent / "server" / "tracefix" / "lsp"


def test_every_lsp_module_imports_alone_in_a_fresh_interpreter():
    """An import cycle shows up as an ImportError when the wrong module of the cycle is imported first."""
    import subprocess
    import sys

    for module in sorted(p.stem for p in LSP.glob("*.py")):
        name = "tracefix.lsp" if module == "__init__" else f"tracefix.lsp.{module}"
        done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"import {name} failed alone:\n{done.stderr[-2000:]}"


def lsp_imports() -> dict[str, set[str]]:
    """Which lsp modules each lsp module imports, at any depth of its code (ast, nothing is run)."""
    import ast

    graph: dict[str, set[str]] = {}
    for path in LSP.glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "tracefix.lsp":
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tracefix.lsp."):
                found.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("tracefix.lsp."))
        graph[path.stem] = {m for m in found if (LSP / f"{m}.py").exists()} - {path.stem}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` as a path of modules, or [] (a depth-first search)."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return []
        for nxt in sorted(graph.get(node, ())):
            found = visit(nxt, path + [node])
            if found:
                return found
        done.add(node)
        return []

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return []


def test_no_lsp_module_imports_another_in_a_cycle():
    graph = lsp_imports()
    assert {"server", "runs", "handlers", "commands", "documents"} <= set(graph)
    assert "server" not in graph["runs"] and "server" not in graph["handlers"] and "server" not in graph["commands"]
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]  # the check can see one
    assert cycle(graph) == [], " -> ".join(cycle(graph))


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


def test_the_first_diagnostics_come_from_the_traced_run_before_confirm(tmp_path):
    """The editor's first publish waits for the traced run only; confirm's untraced re-run comes after it."""
    import shutil
    from dataclasses import replace

    from tracefix.config import Settings
    from tracefix.engine import Request, debug

    examples = Path(__file__).resolve().parent.parent / "examples"
    for name in ("grading.py", "pytest.ini"):
        shutil.copy(examples / name, tmp_path / name)
    order: list[str] = []
    previews: list[Report] = []

    def traced(report: Report) -> None:
        order.append("traced")
        previews.append(report)

    report = debug(Request(path=str(tmp_path / "grading.py"), settings=replace(Settings(), repair=False)),
                   progress=lambda msg, pct: order.append(msg), traced=traced,
                   partial=lambda r: order.append("partial"))
    assert order.index("running tests") < order.index("traced") < order.index("partial")
    assert order.index("traced") < order.index("re-running the failing tests untraced")
    preview = previews[0]
    assert [t.id for t in preview.failing] == [t.id for t in report.failing] == ["grading.py::test_top_scores"]
    assert preview.blocks[0].block.id == report.blocks[0].block.id  # the same suspect as the confirmed report
    assert preview.blocks[0].explanation == report.blocks[0].explanation  # and the same short sentence
