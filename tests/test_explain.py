"""Explanations a person reads in five seconds, from the trace only (issue 16), on real runs.

Each kind of cause gets a real program run by the engine (real child processes): a branch taken
the wrong way, a loop that stops early, a line that raises, a wrong value returned, a wrong
value written, and an LLM fix whose prose is kept only when the trace backs it. Every shown
sentence is checked with the same faithfulness rule the product applies.
"""
import os
import re
import shutil
from dataclasses import replace

import pytest
from fake_openai import FakeOpenAI

from tracefix.config import LLMSettings, Settings
from tracefix.engine import Request, debug
from tracefix.explain import MAX_WORDS, failure_sentence, rerun_sentence, unsupported
from tracefix.faithful import Evidence
from tracefix.localize import Failure
from tracefix.model import TestResult as Result  # aliased so pytest does not collect it
from tracefix.model import Validation, to_json

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
INTERNAL = re.compile(r"\b\w+:B\d+\b|suspicious|suspect #|score \d|\b0\.\d\d\b")

RETURNS = '''def area(w, h):
    return w + h


def test_area():
    assert area(3, 4) == 12


def test_square():
    assert area(2, 2) == 4
'''
WRITES = '''def count_positive(xs):
    n = 0
    for x in xs:
        if x > 0:
            n += 2
    return n


def test_mixed():
    assert count_positive([1, -2, 3]) == 2


def test_one():
    assert count_positive([1]) == 1


def test_empty():
    assert count_positive([]) == 0


def test_negative():
    assert count_positive([-1]) == 0
'''


def copy_example(tmp_path, *names):
    for name in names:
        shutil.copy(os.path.join(EXAMPLES, name), tmp_path / name)
    return str(tmp_path / names[0])


def run(path, **settings):
    return debug(Request(path=path, settings=replace(Settings(repair_seconds=60), **settings)))


def evidence(report, suggestion=None):
    """What a sentence about this report may quote: the failing tests' traces and the document."""
    values = []
    for t in report.failing:
        values += [t.id, t.message, *(t.comparison or {}).values(), *map(str, (t.exception or {}).values())]
        for _, v in report.run.traces.get(t.id, []):
            values += [*v.before.values(), *v.after.values(), v.returned or "", v.raised or ""]
    text = open(report.file).read()
    return Evidence(values, [text, suggestion.new_text if suggestion else ""])


def check_sentence(text, ev):
    """The product's promises for any sentence a user reads."""
    assert text and len(text.split()) <= MAX_WORDS, text
    assert len(re.findall(r"[.!?](?:\s|$)", re.sub(r"`[^`]*`", "x", text))) <= 2, text
    assert not INTERNAL.search(text), text
    assert unsupported(text, ev) == [], text


def fix_for(report, new):
    return next(s for s in report.suggestions if new in s.new_text and s.validation and not s.validation.broken)


# --- the checker itself -------------------------------------------------------------------------

def test_faithfulness_rejects_values_and_names_the_run_never_showed():
    ev = Evidence(["90", "'B'", "assert 'B' == 'A'", "[1, 2, 3, 4]"], ["def letter(score):\n    if score > 90:", "values"])
    assert unsupported("For `score = 90`, `score > 90` is false, so `letter` returns `'B'`.", ev) == []
    assert unsupported("For `score = 91`, `grade(score)` is false.", ev) == ["score = 91", "grade(score)"]
    assert unsupported("It returns 7.5 instead of 'C', via compute_total().", ev) == ["'C'", "7.5", "compute_total"]
    # The tool's own counts and a shortened long value are not quotes.
    assert unsupported("For `values = [1, 2, 3…`, all 3 tests pass; 2 of 3 failing tests on line 8.", ev) == []


# --- one kind of cause per program ------------------------------------------------------------

def test_branch_the_fix_and_the_suspect_say_the_condition_and_the_values(tmp_path):
    report = run(copy_example(tmp_path, "grading.py"))
    s = fix_for(report, "score >= 90")
    assert s.explanation == ("For `score = 90`, `score > 90` is false, so `letter` returns `'B'`; the test expects "
                             "`'A'`. Changing `score > 90` to `score >= 90` makes it true, and all 3 tests pass.")
    check_sentence(s.explanation, evidence(report, s))
    top = report.blocks[0]
    assert top.explanation == "For `score = 90`, `score > 90` is false, so `letter` returns `'B'`; the test expects `'A'`."
    check_sentence(top.explanation, evidence(report))
    # The long evidence is kept, in details: rank, scores and spectrum counts.
    assert "suspect #1" in s.details and "run by 1 of 1 failing" in top.details
    out = to_json(report)
    assert out["blocks"][0]["details"] == top.details and out["suggestions"][0]["details"]
    # `return "A"` ran for 95 and returned 'A': its sentence must not say the call returned the wrong 'B'.
    a_block = next(b for b in report.blocks if b.block.start_line == 9)
    assert "`return \"A\"`" in a_block.explanation and "returns `'B'`" not in a_block.explanation


def test_loop_says_where_it_stops(tmp_path):
    report = run(copy_example(tmp_path, "stats.py", "test_stats.py"))
    s = fix_for(report, "range(len(values))")
    assert s.explanation.startswith("For `values = [1, 2, 3, 4]`, the loop over `range(len(values) - 1)` stops at "
                                    "`i = 2`, so `mean` returns `1.5`; the test expects `2.5`.")
    assert s.explanation.endswith("Changing `len(values) - 1` to `len(values)` makes all 5 tests pass.")
    check_sentence(s.explanation, evidence(report, s))
    check_sentence(report.blocks[0].explanation, evidence(report))


def test_raise_names_the_line_and_the_exception(tmp_path):
    report = run(copy_example(tmp_path, "inventory.py", "test_inventory.py"))
    s = fix_for(report, "stock.get(item, 0)")
    assert s.explanation == ("For `stock = {'apple': 1}` and `item = 'pear'`, `stock[item]` raises `KeyError: 'pear'`. "
                             "Changing `stock[item]` to `stock.get(item, 0)` makes all 4 tests pass.")
    check_sentence(s.explanation, evidence(report, s))
    assert "raises `KeyError: 'pear'`" in report.blocks[0].explanation


def test_return_says_the_value_and_what_the_edit_gives(tmp_path):
    (tmp_path / "area.py").write_text(RETURNS)
    report = run(str(tmp_path / "area.py"))
    s = fix_for(report, "w * h")
    assert s.explanation == ("For `w = 3` and `h = 4`, `w + h` gives `7`; the test expects `12`. "
                             "Changing `w + h` to `w * h` gives `12`, and all 2 tests pass.")
    check_sentence(s.explanation, evidence(report, s))


def test_write_says_the_value_left_behind(tmp_path):
    (tmp_path / "count.py").write_text(WRITES)
    report = run(str(tmp_path / "count.py"))
    s = fix_for(report, "n += 1")
    assert s.explanation == ("For `xs = [1, -2, 3]`, `n += 2` leaves `n = 4`, so `count_positive` returns `4`; "
                             "the test expects `2`. Changing `n += 2` to `n += 1` makes all 4 tests pass.")
    check_sentence(s.explanation, evidence(report, s))


# --- LLM fixes: the same sentence; the model's prose kept only when the trace backs it ------------

FIXED_MEAN = ("```python\ndef mean(values):\n    \"\"\"Arithmetic mean of ``values``.\n\n    >>> mean([2, 4, 6])\n"
              "    4.0\n    \"\"\"\n    total = 0\n    for i in range(len(values)):\n        total += values[i]\n"
              "    return total / len(values)\n```\n")


@pytest.mark.parametrize("prose, kept", [
    ("The loop uses range(len(values) - 1), so the last value is never added to total.", True),
    ("The loop stops at i = 7, so `mean` returns 99.5 instead of grand_total.", False),
])
def test_llm_fix_gets_the_trace_sentence_and_unbacked_prose_is_dropped(tmp_path, prose, kept):
    path = copy_example(tmp_path, "stats.py", "test_stats.py")
    with FakeOpenAI(responder=lambda body: {"content": f"{prose}\n\n{FIXED_MEAN}"}) as fake:
        llm = LLMSettings(enabled=True, base_url=fake.base_url, model="fake", samples=1, rounds=1, timeout=10.0)
        report = run(path, repair=False, llm=llm)
    s = next(s for s in report.suggestions if s.origin == "llm")
    assert s.explanation.startswith("For `values = [1, 2, 3, 4]`, the loop over `range(len(values) - 1)` stops at")
    check_sentence(s.explanation, evidence(report, s))
    assert s.features["llm_prose"] == ("kept" if kept else "dropped")
    assert (prose in s.details) is kept
    if not kept:
        assert {"99.5", "grand_total"} <= set(s.features["llm_unsupported"])


# --- one voice: the editor's diagnostic says the CLI's sentence ---------------------------------------

def test_the_diagnostic_message_is_the_block_sentence(tmp_path):
    from tracefix.lsp.diagnostics import Bug, _bug_message

    early = []  # what the editor publishes before repair starts
    path = copy_example(tmp_path, "grading.py")
    report = debug(Request(path=path, settings=replace(Settings(), repair=False)), partial=early.append)
    top = report.blocks[0]
    message = _bug_message(Bug(block=top, tests=report.failing))
    assert message.splitlines() == [top.explanation, "1 failing test: test_top_scores"]
    check_sentence(top.explanation, evidence(report))
    assert early[0].blocks[0].explanation == top.explanation and early[0].blocks[0].details == top.details


# --- the long account, kept as details ------------------------------------------------------------

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
