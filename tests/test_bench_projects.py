"""The real-project benchmark's machinery (bench/projects/) on one tiny local project, no network:
its sdist is found in the cache, unpacked read-only, its suite runs with plain pytest, bugs are
injected into executed lines and kept only when the suite catches them, the work tree always comes
back to pristine, and a bug is scored end to end against a stand-in for tracefix that prints a
schema-1 report (so this test does not depend on what tracefix finds today)."""
from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.projects import corpus, evaluate, holdout, mutants  # noqa: E402
from bench.projects.spec import Project  # noqa: E402

FILES = {
    "pyproject.toml": '[project]\nname = "tiny"\nversion = "1.0"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
    "tiny/__init__.py": '''def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def total(xs):
    acc = 0
    for x in xs:
        acc += x
    return acc


def unused(a, b):
    return a - b
''',
    "tests/test_tiny.py": '''from tiny import clamp, total


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_edges():
    assert clamp(-1, 0, 10) == 0
    assert clamp(11, 0, 10) == 10


def test_total():
    assert total([1, 2, 3]) == 6
''',
}


class LocalSetup(corpus.Setup):
    """Installs nothing: its "venv" is a folder whose python and pytest are the ones running this."""

    def env(self, out=None, lines=False):
        env = super().env(out, lines)
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the tiny project needs none of our venv's plugins
        return env

    def install(self) -> None:
        bin_dir = self.venv / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name, target in (("python", Path(sys.executable)), ("pytest", Path(sys.executable).parent / "pytest")):
            if not (bin_dir / name).exists():
                (bin_dir / name).symlink_to(target)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    (cache / "sdists").mkdir()
    with tarfile.open(cache / "sdists" / "tiny-1.0.tar.gz", "w:gz") as tf:
        for rel, text in FILES.items():
            data = text.encode()
            info = tarfile.TarInfo(f"tiny-1.0/{rel}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    setup = LocalSetup(Project("tiny", "1.0", "tiny", ("flat", "root-tests")), cache, sys.executable)
    setup.prepare()
    return setup


@pytest.fixture(scope="module")
def found(tiny):
    base = tiny.baseline(refresh=True)
    bugs, tally = mutants.find_bugs(tiny, base, want=2, log_every=False)
    return base, bugs, tally


def test_sdist_from_the_cache_unpacks_read_only_with_a_work_copy(tiny):
    assert (tiny.pristine / "tiny" / "__init__.py").read_text() == FILES["tiny/__init__.py"]
    assert not (tiny.pristine / "tiny" / "__init__.py").stat().st_mode & 0o222
    assert tiny.tree_digest(tiny.root) == tiny.tree_digest(tiny.pristine)


def test_baseline_records_outcomes_and_executed_lines(tiny, found):
    base = found[0]
    assert base.passed == ["tests/test_tiny.py::test_clamp_edges", "tests/test_tiny.py::test_clamp_inside",
                           "tests/test_tiny.py::test_total"]
    assert base.not_passed == []
    executed = set(base.lines["tiny/__init__.py"])
    assert {2, 3, 4, 5, 6, 10, 11, 12, 13} <= executed
    assert 17 not in executed  # `unused` never runs, so it is never mutated
    assert mutants.target_modules(tiny, base) == ["tiny/__init__.py"]


def test_bugs_are_kept_only_when_the_suite_catches_them_and_the_tree_is_restored(tiny, found):
    base, bugs, tally = found
    tried = mutants.candidates(tiny, base)
    assert tried and all(m.line != 17 for _, m, _ in tried)
    assert len(bugs) == 2 and tally["caught"] == 2
    assert tally["tried"] == sum(tally[k] for k in ("caught", "survived", "timeout", "collection_error"))
    for bug in bugs:
        assert bug.killed_by and set(bug.killed_by) <= set(base.passed)
        assert bug.function in {"clamp", "total"}
    assert tiny.tree_digest(tiny.root) == tiny.tree_digest(tiny.pristine)


def test_a_mutant_the_suite_misses_is_not_kept(tiny, found, monkeypatch):
    base = found[0]
    text = FILES["tiny/__init__.py"]
    # `x > hi` -> `x >= hi` returns hi for x == hi: the same value, no test can tell.
    survivor = next(m for m in mutants.mutate.mutations(text) if m.line == 4 and m.new == ">=")
    monkeypatch.setattr(mutants, "candidates", lambda *a, **k: [("tiny/__init__.py", survivor, "clamp")])
    bugs, tally = mutants.find_bugs(tiny, base, want=1, log_every=False)
    assert bugs == [] and tally["survived"] == 1


def test_lsp_edits_and_block_rank():
    text = "a = 1\nif a < 2:\n    b = 'é' + x\n"
    edit = {"range": {"start": {"line": 1, "character": 5}, "end": {"line": 1, "character": 6}}, "newText": "<="}
    tail = {"range": {"start": {"line": 2, "character": 14}, "end": {"line": 2, "character": 15}}, "newText": "y"}
    assert evaluate.apply_lsp_edits(text, [edit, tail]) == "a = 1\nif a <= 2:\n    b = 'é' + y\n"
    report = {"blocks": [{"start_line": 1, "end_line": 1, "suspiciousness": 0.2},
                         {"start_line": 2, "end_line": 3, "suspiciousness": 0.9}]}
    assert evaluate.block_rank(report, [3]) == 1
    assert evaluate.block_rank(report, [1]) == 2
    assert evaluate.block_rank(report, [7]) is None


STUB = '''import json, os, sys
report = json.load(open(os.environ["STUB_REPORT"]))
report["file"] = sys.argv[2]
# What the tool saw of the held-back split: the root conftest.py present during its run, if any.
report["messages"] = [open("conftest.py").read()] if os.path.exists("conftest.py") else []
print(json.dumps(report))
sys.exit(1)
'''


def test_a_bug_is_scored_end_to_end_against_plain_pytest(tiny, found, tmp_path):
    base, bugs, _ = found
    bug = bugs[0]
    original = FILES["tiny/__init__.py"]
    buggy = bug.buggy_text(original)
    # A correct fix (the original text back) and a wrong one, as whole-file edits.
    old_lines = buggy.splitlines(keepends=True)
    undo = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": len(old_lines), "character": 0}},
            "newText": original}
    wrong = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": len(old_lines), "character": 0}},
             "newText": original.replace("return x\n", "return None\n")}
    failing = bug.killed_by[0]
    report = {"schema": 1, "tests": [{"id": failing, "outcome": "failed", "message": "assert", "duration_ms": 5.0},
                                     {"id": "doctest:clamp", "outcome": "passed", "message": ""}],
              "blocks": [{"start_line": 15, "end_line": 16, "suspiciousness": 0.8},
                         {"start_line": bug.truth_lines[0], "end_line": bug.truth_lines[0], "suspiciousness": 0.5}],
              "suggestions": [{"title": "right", "shown": True, "edits": [undo]},
                              {"title": "wrong", "shown": True, "edits": [wrong]},
                              {"title": "held", "shown": False, "edits": [wrong]}],
              "timing_ms": {"run": 120.0}}
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "stub.py").write_text(STUB)
    stub = evaluate.Tracefix("stub", [sys.executable, str(tmp_path / "stub.py")],
                             {"STUB_REPORT": str(tmp_path / "report.json")}, "0" * 40, [])
    other = next(t for t in base.passed if t != failing)
    row = evaluate.evaluate_bug(tiny, base, bug, stub, timeout=60, hidden={other})
    assert row["exit"] == 1 and row["report_ok"] and row["tree_changed"] == []
    # The tool ran with the held-back test deselected; the judging runs saw the whole suite.
    assert holdout.MARK in row["messages"][0] and repr(other) in row["messages"][0]
    assert row["held_back"] == 1 and row["catching_visible"] >= 1
    assert row["tests_found"] == 2 and row["plain_ids"] == 1
    assert row["detected"] is True
    assert row["rank"] == 2
    assert row["fix_shown"] and row["fix_correct"]
    assert [f["correct"] for f in row["fixes"]] == [True, False]
    # Every suggestion is judged, the held one too, for the decide stage's training rows.
    assert [(j["title"], j["shown"], j["correct"]) for j in row["judged"]] == [
        ("right", True, True), ("wrong", True, False), ("held", False, False)]
    assert row["fix_any_correct"]
    assert row["fixes"][0]["restores_original"]
    assert row["traced_s"] == 0.12 and row["ratio"] is not None and row["ratio_tests"] > 0
    assert tiny.tree_digest(tiny.root) == tiny.tree_digest(tiny.pristine)


def test_held_back_tests_are_a_seeded_share_and_never_the_one_that_catches_the_bug():
    passed = [f"tests/t.py::test_{i}" for i in range(400)]
    hidden = holdout.hidden_tests(passed, [passed[7]], 0.5, "0:bug")
    assert hidden == holdout.hidden_tests(passed, [passed[7]], 0.5, "0:bug")  # deterministic
    assert hidden != holdout.hidden_tests(passed, [passed[7]], 0.5, "0:other")  # per bug
    assert 150 < len(hidden) < 250 and passed[7] not in hidden and hidden <= set(passed)
    assert holdout.hidden_tests(passed, [passed[7]], 0.0, "0:bug") == set()
    assert passed[7] not in holdout.hidden_tests(passed, [passed[7]], 1.0, "0:bug")


def test_held_back_tests_are_deselected_in_the_projects_own_pytest_and_the_tree_comes_back(tiny, found):
    base, _, _ = found
    hidden = {t for t in base.passed if t.endswith("test_total")}
    assert hidden
    with holdout.held_back(tiny.root, hidden):
        run = tiny.pytest()
        assert set(run.outcomes) == set(base.passed) - hidden
    assert not (tiny.root / "conftest.py").exists()
    assert set(tiny.pytest().outcomes) == set(base.passed)
    # A project's own root conftest keeps its content and gets it back.
    (tiny.root / "conftest.py").write_text("ANSWER = 42\n")
    try:
        with holdout.held_back(tiny.root, hidden):
            text = (tiny.root / "conftest.py").read_text()
            assert text.startswith("ANSWER = 42\n") and holdout.MARK in text
            assert set(tiny.pytest().outcomes) == set(base.passed) - hidden
        assert (tiny.root / "conftest.py").read_text() == "ANSWER = 42\n"
    finally:
        (tiny.root / "conftest.py").unlink()
    # An interrupted run's conftest is found and removed; anything else is left alone.
    (tiny.root / "conftest.py").write_text(holdout.conftest_text(None, hidden))
    assert holdout.remove_leftover(tiny.root, tiny.pristine) and not (tiny.root / "conftest.py").exists()
    assert not holdout.remove_leftover(tiny.root, tiny.pristine)
    assert tiny.tree_digest(tiny.root) == tiny.tree_digest(tiny.pristine)


def _projects_script():
    """bench/projects.py, the script (a package of the same name sits next to it)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_projects_script", ROOT / "bench" / "projects.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_skip_takes_the_bugs_after_the_first_ones_so_a_fresh_evaluation_set_never_overlaps(tiny, found):
    script = _projects_script()
    base = found[0]
    first_two, _ = script.load_bugs(tiny, base, 2, 0)
    after_one, _ = script.load_bugs(tiny, base, 1, 0, skip=1)
    assert len(first_two) == 2
    assert [b.id for b in after_one] == [first_two[1].id]


def test_plain_pytest_is_timed_without_the_coverage_tracefix_drops(tmp_path):
    """semver's addopts carry --cov, which tracefix drops: the plain run it is timed against drops it too."""
    from bench.projects.spec import BY_NAME

    def options(name):
        return corpus.Setup(BY_NAME[name], tmp_path, sys.executable).as_tracefix_runs()

    assert options("semver") == ["--no-cov"]
    assert options("toolz") == []
