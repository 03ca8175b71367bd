"""Validation: strict improvement over the baseline run, judged from real child re-runs."""
import textwrap

from tracefix import discover, segment, childrun
from tracefix.config import Settings
from tracefix.model import RunResult
from tracefix.model import TestResult as Result  # aliased so pytest does not collect it
from tracefix.validate import compare, is_improvement, rank_key, validate

PROGRAM = textwrap.dedent("""\
    def sign(x):
        if x > 0:
            return 1
        return -1


    def test_positive():
        assert sign(5) == 1


    def test_negative():
        assert sign(-5) == -1


    def test_zero():
        assert sign(0) == 0
    """)


def baseline(tmp_path, text=PROGRAM):
    path = tmp_path / "sign.py"
    path.write_text(text)
    seg = segment.segment(text)
    tests = discover.discover(str(path), text)
    run = childrun.run_tests(str(path), text, seg, tests, Settings())
    return str(path), seg, tests, run


def test_compare_counts_fixed_broken_and_missing():
    base = RunResult("3", [Result("a", "failed"), Result("b", "passed"), Result("c", "passed"),
                           Result("d", "error")])
    cand = RunResult("3", [Result("a", "passed"), Result("b", "passed"), Result("d", "passed")])
    v = compare(base, cand)
    assert v.fixed == ["a", "d"] and v.broken == ["c"]  # "c" vanished: counted as broken
    assert (v.passed, v.total) == (3, 4)
    assert not is_improvement(v)


def test_rank_prefers_more_fixed_then_smaller_edits():
    a = compare(RunResult("3", [Result("x", "failed"), Result("y", "failed")]),
                RunResult("3", [Result("x", "passed"), Result("y", "passed")]))
    b = compare(RunResult("3", [Result("x", "failed"), Result("y", "failed")]),
                RunResult("3", [Result("x", "passed"), Result("y", "failed")]))
    assert sorted([(b, 1, 0), (a, 9, 3)], key=lambda t: rank_key(*t))[0][0] is a
    assert rank_key(a, 1, 5) < rank_key(a, 2, 0)


def test_a_real_fix_is_a_strict_improvement(tmp_path):
    path, seg, tests, run = baseline(tmp_path)
    fixed_text = PROGRAM.replace("        return 1\n    return -1\n",
                                 "        return 1\n    if x == 0:\n        return 0\n    return -1\n")
    v, cand_run = validate(path, fixed_text, seg, tests, run, Settings())
    assert v.fixed == ["sign.py::test_zero"] and v.broken == []
    assert v.passed == v.total == 3
    assert is_improvement(v)


def test_an_edit_that_breaks_a_passing_test_is_rejected(tmp_path):
    path, seg, tests, run = baseline(tmp_path)
    # `return 0` for every non-positive number fixes zero but breaks negatives.
    v, _ = validate(path, PROGRAM.replace("return -1", "return 0"), seg, tests, run, Settings())
    assert v.fixed == ["sign.py::test_zero"] and v.broken == ["sign.py::test_negative"]
    assert not is_improvement(v)


def test_a_candidate_that_hangs_counts_as_breaking_everything(tmp_path):
    path, seg, tests, run = baseline(tmp_path)
    hanging = PROGRAM.replace("    if x > 0:", "    while True:\n        pass\n    if x > 0:")
    v, cand_run = validate(path, hanging, seg, tests, run, Settings(timeout=2))
    assert v.fixed == [] and set(v.broken) == {"sign.py::test_positive", "sign.py::test_negative"}
    assert not is_improvement(v)
