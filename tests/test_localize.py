"""Localization on real traced runs: spectrum, exception site and data flow combined."""
import math
import os
import textwrap

from tracefix import discover, segment, childrun
from tracefix.config import Settings
from tracefix.localize import localize, ochiai
from tracefix.model import Block, RunResult, Segmentation
from tracefix.model import TestResult as Result  # aliased so pytest does not collect it

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def traced(path):
    path = str(path)
    text = open(path).read()
    seg = segment.segment(text)
    run = childrun.run_tests(path, text, seg, discover.discover(path, text), Settings())
    assert not run.error, run.error
    return seg, run, text


def test_ochiai_formula():
    assert ochiai(0, 3, 2) == 0.0
    assert math.isclose(ochiai(2, 1, 3), 2 / math.sqrt(3 * 3))
    assert ochiai(1, 0, 1) == 1.0


def test_spectrum_alone_ranks_blocks_only_failing_tests_run():
    # Hand-built run without traces: only the spectrum speaks.
    blocks = [Block("f:B1", "f", 1, 2), Block("f:B2", "f", 3, 3), Block("f:B3", "f", 4, 4)]
    seg = Segmentation(blocks=blocks, functions=[])
    tests = [Result("t1", "failed"), Result("t2", "passed"), Result("t3", "passed")]
    run = RunResult(python="3", tests=tests,
                    spectra={"t1": {"f:B1", "f:B3"}, "t2": {"f:B1", "f:B2"}, "t3": {"f:B1", "f:B2"}})
    ranked = localize(seg, run, "")
    assert [sb.block.id for sb in ranked] == ["f:B3", "f:B1", "f:B2"]
    assert ranked[-1].verdict == "correct" and ranked[-1].suspiciousness == 0
    assert "1 of 1 failing and 0 of 2 passing" in ranked[0].explanation
    assert all(0 <= sb.suspiciousness <= 1 for sb in ranked)


def test_wrong_branch_points_at_the_block_that_returned_the_wrong_value():
    seg, run, text = traced(os.path.join(EXAMPLES, "grading.py"))
    ranked = localize(seg, run, text)
    top = ranked[0]
    assert top.block.id == "letter:B4"  # `return "B"` ran for 90
    assert top.verdict == "incorrect"
    assert "Returned 'B' in grading.py::test_top_scores, where the test expected 'A'" in top.explanation
    # The condition on line 8 decided that path; it must outrank the `return "A"` block that
    # only the failing test runs (pure Ochiai would put that one first).
    ids = [sb.block.id for sb in ranked]
    assert ids.index("letter:B1") < ids.index("letter:B2")
    assert "score = 90" in ranked[ids.index("letter:B1")].explanation
    # Test code is never the prime suspect.
    assert ranked[ids.index("test_top_scores:B1")].suspiciousness < 0.1


def test_exception_site_ranks_first_with_the_values_in_its_rationale():
    seg, run, text = traced(os.path.join(EXAMPLES, "inventory.py"))
    top = localize(seg, run, text)[0]
    assert top.block.contains(9)
    assert "KeyError: 'pear'" in top.explanation and "item = 'pear'" in top.explanation


def test_data_flow_reaches_the_loop_header_that_wrote_the_index(tmp_path):
    seg, run, text = traced(os.path.join(EXAMPLES, "stats.py"))
    ranked = {sb.block.id: sb for sb in localize(seg, run, text)}
    header = ranked["mean:B2"]  # `for i in range(len(values) - 1)`
    assert "Set `i` to" in header.explanation and "flows into the wrong result" in header.explanation
    assert header.suspiciousness > ranked["spread:B1"].suspiciousness


def test_methods_and_doctest_failures(tmp_path):
    (tmp_path / "acct.py").write_text(textwrap.dedent('''\
        class Account:
            def __init__(self, balance):
                self.balance = balance

            def withdraw(self, amount):
                """
                >>> Account(10).withdraw(3)
                7
                """
                self.balance = self.balance + amount
                return self.balance

            def deposit(self, amount):
                self.balance += amount
                return self.balance
        '''))
    (tmp_path / "test_acct.py").write_text(textwrap.dedent('''\
        from acct import Account

        def test_deposit():
            assert Account(1).deposit(2) == 3
        '''))
    seg, run, text = traced(tmp_path / "acct.py")
    ranked = localize(seg, run, text)
    assert ranked[0].block.function == "Account.withdraw"
    assert "expected 7" in ranked[0].explanation


# ---------------------------------------------------------------- after repair: mutants and the fix's block

def _mutant(block, fixed=0, broken=0, touched=0):
    from tracefix.repair.search import Mutant

    return Mutant(block, fixed, broken, touched)


def _scored(*pairs):
    from tracefix.model import ScoredBlock

    return [ScoredBlock(Block(bid, "f", n, n), score, "unknown", "Why.") for n, (bid, score) in enumerate(pairs, 1)]


def test_blocks_whose_edits_flip_failing_tests_rise_and_inert_ones_fall():
    from tracefix.localize import rerank

    ranked = rerank(_scored(("f:B1", 0.9), ("f:B2", 0.6), ("f:B3", 0.5)),
                    [_mutant("f:B1")] * 4 + [_mutant("f:B2", fixed=2, touched=2)], failing=2, passing=3)
    assert [sb.block.id for sb in ranked] == ["f:B2", "f:B3", "f:B1"]
    assert ranked[0].verdict == "incorrect" and "makes 2 of 2 failing tests pass" in ranked[0].explanation
    assert "None of the 4 edits tried here changed how any failing test ends" in ranked[-1].explanation
    assert ranked[1].suspiciousness == 0.5  # no candidate ran there: its score stands


def test_breaking_passing_tests_counts_against_a_block():
    from tracefix.localize import mutation_score

    assert mutation_score(1, 0, 1, 1, 4) == 1.0
    assert mutation_score(1, 4, 1, 1, 4) == 0.5
    assert mutation_score(0, 0, 1, 2, 4) == 0.15  # changed how one of two failing tests fails
    assert mutation_score(0, 2, 0, 2, 4) == 0.0


def test_promoted_block_leads_strictly_so_any_sort_agrees():
    from tracefix.localize import promote

    blocks = _scored(("f:B1", 1.0), ("f:B2", 0.4), ("f:B3", 0.2))
    ranked = promote(blocks, blocks[2].block, "A fix is here.")
    assert ranked[0].block.id == "f:B3" and ranked[0].explanation == "A fix is here. Why."
    assert ranked[0].suspiciousness > max(sb.suspiciousness for sb in ranked[1:])
    assert sorted(ranked, key=lambda sb: -sb.suspiciousness) == ranked


def test_edited_blocks_of_replacements_and_insertions():
    from tracefix.edits import text_edits
    from tracefix.localize import edited_blocks

    text = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n\n\ndef g():\n    return 1\n"
    seg = segment.segment(text)
    by_line = {b.start_line: b.id for b in seg.blocks if b.function == "f"}
    changed = text.replace("total += x", "total -= x")
    assert edited_blocks(seg, text_edits(text, changed)) == [by_line[4]]
    appended = text.replace("        total += x\n", "        total += x\n    return total\n")
    assert edited_blocks(seg, text_edits(text, appended)) == [seg.block_at(4).id]


def test_inert_mutants_say_nothing_when_no_edit_anywhere_changed_a_failing_test():
    from tracefix.localize import rerank

    blocks = _scored(("f:B1", 0.9), ("f:B2", 0.6))
    ranked = rerank(blocks, [_mutant("f:B1")] * 6 + [_mutant("f:B2")] * 6, failing=1, passing=2)
    assert [(sb.block.id, sb.suspiciousness) for sb in ranked] == [("f:B1", 0.9), ("f:B2", 0.6)]


def test_the_shared_vocabulary_of_outcomes_tests_and_test_ids():
    from tracefix.model import is_failing, is_test, is_test_code, matches_test

    assert [o for o in ("passed", "failed", "error", "timeout", "skipped", None) if is_failing(o)] == [
        "failed", "error", "timeout"]
    assert Result("t", "timeout").failing and not Result("t", "skipped").failing
    assert is_test("test_a") and is_test("TestA.test_b") and not is_test("TestA.helper") and not is_test("mean")
    # Test code is what is never blamed: tests and everything in a Test class, not the code under test.
    assert is_test_code("TestA.helper") and is_test_code("test_a") and not is_test_code("Stack.push")
    assert matches_test("t.py::TestA::test_b[1]", "test_b") and matches_test("t.py::TestA::test_b[1]", "TestA::test_b")
    assert matches_test("t.py::test_b[1]", "test_b[1]") and matches_test("doctest:mean", "mean")
    assert not matches_test("t.py::test_bc", "test_b") and not matches_test("t.py::test_b", "b")


def test_predicate_switching_lifts_the_block_whose_condition_sends_the_failing_run_astray(tmp_path):
    """The condition `is_weekend(day)` is backwards; negating it on the failing tests (a real child run of
    only those tests) makes them pass, so its block gains; a switch that fixes nothing moves nothing."""
    import threading

    from tracefix.confirm import rerun_cases
    from tracefix.localize import rerank
    from tracefix.model import ScoredBlock
    from tracefix.repair.search import search
    from tracefix.repair.switch import switches

    path = tmp_path / "fee.py"
    path.write_text(textwrap.dedent("""\
        def is_weekend(day):
            return day in ("sat", "sun")


        def fee(day, base):
            total = base
            if is_weekend(day):
                total = base * 2
            return total


        def test_weekday():
            assert fee("mon", 10) == 20


        def test_weekend():
            assert fee("sun", 10) == 10
        """))
    seg, run, text = traced(path)
    cond = seg.block_at(7)
    others = [b for b in seg.blocks if b.function in ("fee", "is_weekend") and b.id != cond.id]
    # A ranking where the condition's block is not first (as a spectrum over two failing tests may say).
    ranking = [ScoredBlock(others[0], 0.7, "unknown", "Why."), ScoredBlock(cond, 0.6, "unknown", "Why.")]
    cands = switches(text, __import__("ast").parse(text), seg, ranking)
    assert [(c.block, c.new) for c in cands] == [(cond.id, "not (is_weekend(day))")]
    assert all(c.operator == "predicate_switch" for c in cands)
    failing = [t for t in run.tests if t.failing]
    assert len(failing) == 2
    switched = []
    search(str(path), seg, rerun_cases(failing, discover.discover(str(path), text)), run, cands, Settings(),
           None, threading.Event(), float("inf"), lambda _m, _p: None, switched)
    assert [(m.block, m.fixed) for m in switched] == [(cond.id, 2)]
    ranked = rerank(ranking, [], failing=2, passing=0, switched=switched)
    assert ranked[0].block.id == cond.id and ranked[0].suspiciousness == 0.8
    assert "Taking the other branch of its condition makes 2 of 2 failing tests pass." in ranked[0].explanation
    inert = rerank(ranking, [], failing=2, passing=0, switched=[_mutant(cond.id)])
    assert [(s.block.id, s.suspiciousness) for s in inert] == [(others[0].id, 0.7), (cond.id, 0.6)]
