"""Explanations are built from evidence: the test's expectation, the block's values, the edit, the re-run."""
import os

from tracefix.config import Settings
from tracefix.engine import Request, debug
from tracefix.explain import failure_sentence, rerun_sentence
from tracefix.localize import Failure
from tracefix.model import TestResult as Result  # aliased so pytest does not collect it
from tracefix.model import Validation

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def test_failure_sentence_uses_comparison_or_exception():
    f = Failure(test=Result("t_cmp", "failed"), expected="2.5", actual="1.5")
    assert failure_sentence(f) == "t_cmp expected 2.5 but got 1.5."
    exc = Result("t_exc", "failed", exception={"type": "KeyError", "message": "'pear'", "line": 9})
    assert failure_sentence(Failure(test=exc)) == "t_exc raised KeyError: 'pear' at line 9."


def test_rerun_sentence_reports_counts():
    assert rerun_sentence(Validation(["a", "b"], [], 7, 7), 2) == \
        "Re-running the tests with the edit: 2 failing tests now pass and all 7 tests pass."
    partial = rerun_sentence(Validation(["a"], [], 5, 7), 3)
    assert "fixes 1 of 3 failing tests (a), breaks none, and 5 of 7 pass" in partial


def test_suggestion_explanation_cites_expectation_block_values_edit_and_rerun():
    report = debug(Request(path=os.path.join(EXAMPLES, "stats.py"), settings=Settings(repair_seconds=90)))
    s = report.suggestions[0]
    e = s.explanation
    assert "expected 2.5 but got 1.5" in e
    assert "Block mean:B2 (line 14)" in e and "set `i` to 2 in test_stats.py::test_mean[values0-2.5]" in e
    assert "changes `len(values) - 1` to `len(values)` on line 14" in e
    assert e.endswith("3 failing tests now pass and all 5 tests pass.")
    assert s.title == "Use `len(values)` instead of `len(values) - 1`"


def test_exception_fix_explanation_names_the_exception_and_values():
    report = debug(Request(path=os.path.join(EXAMPLES, "inventory.py"), settings=Settings(repair_seconds=90)))
    e = report.suggestions[0].explanation
    assert "raised KeyError: 'pear' at line 9" in e
    assert "item = 'pear'" in e and "all 4 tests pass" in e
