"""The offline repair engine end to end: real child runs trace the buggy program, and every
suggestion must have been validated by re-running the tests in a child process."""
import os
import textwrap
import threading

import pytest

from tracefix.config import Settings
from tracefix.edits import EditSize, apply_edits, edit_size
from tracefix.engine import Request, debug, read_source
from tracefix.localize import edited_blocks

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
SETTINGS = Settings(repair_seconds=90, workers=2)


def run(path, settings=SETTINGS, cancel=None):
    return debug(Request(path=str(path), settings=settings), cancel=cancel)


def write(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def check_suggestions(report):
    text = read_source(report.file)
    assert report.suggestions, report.messages
    for s in report.suggestions:
        assert s.origin == "template" and s.id.startswith("s")
        assert s.validation.fixed and not s.validation.broken
        assert apply_edits(text, s.edits) == s.new_text
        assert s.diff.startswith("--- a/")
        assert set(s.features) >= {"operator", "edit_lines", "edit_tokens", "block_rank", "in_top_block",
                                   "tests_fixed", "tests_total", "tests_broken", "origin"}
        size = edit_size(text, s.new_text)  # the one measure every origin uses
        assert (s.features["edit_lines"], s.features["edit_tokens"]) == (size.lines, size.tokens) != (0, 0)
        assert s.features["in_top_block"] == (s.features["block_rank"] == 0)
        assert -1 <= s.features["block_rank"] < len(report.blocks)
    return report.suggestions[0]


def test_grading_example_gets_the_boundary_fix():
    report = run(os.path.join(EXAMPLES, "grading.py"))
    best = check_suggestions(report)
    # The report's top suspect is the block the fix edits, and the explanation says so.
    assert report.blocks[0].block.id in edited_blocks(report.segmentation, best.edits)
    assert "is suspect #1" in best.details  # the rank is evidence, kept out of the sentence
    assert "if score >= 90:" in best.new_text
    assert best.title == "Use `>=` instead of `>` in the `score` check"
    assert best.validation.passed == best.validation.total == 3
    # The trace predicted it: 90 is the only traced score on which `>` and `>=` disagree.
    assert best.features["candidate_order"] == 1


def test_stats_example_gets_the_loop_bound_fix():
    best = check_suggestions(run(os.path.join(EXAMPLES, "stats.py")))
    assert "for i in range(len(values)):" in best.new_text
    assert len(best.validation.fixed) == 3  # two parametrized cases and the doctest
    assert best.features["candidate_order"] == 1


def test_inventory_example_gets_a_guard_for_the_missing_key():
    best = check_suggestions(run(os.path.join(EXAMPLES, "inventory.py")))
    assert "stock.get(item, 0)" in best.new_text or "not in stock" in best.new_text
    assert best.validation.fixed == ["test_inventory.py::test_sell_unknown_item_is_refused"]
    assert best.features["candidate_order"] == 1


def test_returns_the_variable_that_holds_the_expected_value(tmp_path):
    write(tmp_path, "biggest.py", """\
        def largest(xs):
            best = xs[0]
            for x in xs:
                if x > best:
                    best = x
            return x


        def test_unsorted():
            assert largest([3, 9, 2]) == 9


        def test_sorted():
            assert largest([1, 2]) == 2
        """)
    best = check_suggestions(run(tmp_path / "biggest.py"))
    assert "    return best\n" in best.new_text
    assert best.features["operator"] in ("return_value", "wrong_variable")


def test_swapped_arguments_of_a_recursive_call(tmp_path):
    write(tmp_path, "arith.py", """\
        def gcd(a, b):
            if b == 0:
                return a
            return gcd(a % b, b)
        """)
    write(tmp_path, "test_arith.py", """\
        import pytest
        from arith import gcd

        @pytest.mark.parametrize("a, b, g", [(12, 8, 4), (17, 5, 1), (9, 0, 9)])
        def test_gcd(a, b, g):
            assert gcd(a, b) == g
        """)
    best = check_suggestions(run(tmp_path / "arith.py"))
    assert "return gcd(b, a % b)" in best.new_text
    assert best.validation.passed == best.validation.total == 3


def test_missing_return_and_boolean_connective(tmp_path):
    write(tmp_path, "shop.py", """\
        def total_price(prices):
            total = 0
            for p in prices:
                total += p


        def can_vote(age, registered):
            return age >= 18 or registered


        def test_total():
            assert total_price([1, 2, 3]) == 6


        def test_vote():
            assert can_vote(20, True) is True
            assert can_vote(16, True) is False
        """)
    report = run(tmp_path / "shop.py")
    check_suggestions(report)
    # Each suggestion fixes one of the two independent bugs; the pair is found by the second round.
    both = [s for s in report.suggestions if "return total" in s.new_text and "age >= 18 and registered" in s.new_text]
    assert both, [s.new_text for s in report.suggestions]
    assert both[0].validation.passed == both[0].validation.total == 2
    assert ", then " in both[0].details and "(and 1 more edit) makes all 2 tests pass" in both[0].explanation


def test_no_suggestion_when_no_edit_is_a_strict_improvement(tmp_path):
    # Both tests demand contradictory answers from the same call: any edit that fixes one breaks the other.
    write(tmp_path, "contra.py", """\
        def answer():
            return 1


        def test_one():
            assert answer() == 1


        def test_two():
            assert answer() == 2
        """)
    report = run(tmp_path / "contra.py", Settings(repair_seconds=30, max_candidates=8))
    assert [t.outcome for t in report.tests] == ["passed", "failed"]
    assert report.suggestions == []


def test_cancel_stops_the_search(tmp_path):
    write(tmp_path, "slow.py", """\
        def f(x):
            return x + 1


        def test_f():
            assert f(1) == 5
        """)
    cancel = threading.Event()
    from tracefix import discover, localize, repair, segment, childrun
    path = str(tmp_path / "slow.py")
    text = read_source(path)
    seg = segment.segment(text)
    tests = discover.discover(path, text)
    base = childrun.run_tests(path, text, seg, tests, SETTINGS)
    blocks = localize.localize(seg, base, text)
    cancel.set()
    assert repair.repair(path, text, seg, tests, base, blocks, SETTINGS, cancel=cancel) == []


@pytest.mark.parametrize("budget", [0])
def test_zero_candidates_means_no_repair(tmp_path, budget):
    report = run(os.path.join(EXAMPLES, "grading.py"), Settings(max_candidates=budget))
    assert report.failing and report.suggestions == []


def test_dropped_value_at_the_end_gets_its_return_back(tmp_path):
    write(tmp_path, "words.py", '''\
        def joined(n):
            ' '.join(str(x) for x in range(n + 1))


        def test_joined():
            assert joined(2) == '0 1 2'
        ''')
    best = check_suggestions(run(tmp_path / "words.py"))
    assert "    return ' '.join(str(x) for x in range(n + 1))\n" in best.new_text
    assert best.features["operator"] == "missing_return"


def test_trace_evaluator_only_computes_on_plain_data():
    import ast as pyast

    from tracefix.repair.evaluate import Unknown, env_from, evaluate
    env = env_from({"xs": "[1, 2, 3]", "obj": "<Foo object at 0x1>", "s": "'ab'"})
    assert "obj" not in env  # not a literal: never rebuilt
    assert evaluate(pyast.parse("len(xs) - 1 >= xs[0]", mode="eval").body, env) is True
    for src in ("s * 10**9", "obj.x", "open('f')", "__import__('os')", "2 ** 10000"):
        with pytest.raises(Unknown):
            evaluate(pyast.parse(src, mode="eval").body, env)


def test_overfitting_guards_flag_an_edit_that_special_cases_the_failing_input(tmp_path):
    from tracefix import discover, segment, childrun
    from tracefix.localize import failures
    from tracefix.model import Validation
    from tracefix.repair.overfit import overfitting
    from tracefix.repair.search import Outcome
    from tracefix.repair.candidate import Candidate

    path = write(tmp_path, "fact.py", """\
        def fact(n):
            out = 1
            for k in range(2, n):
                out *= k
            return out


        def test_five():
            assert fact(5) == 120


        def test_small():
            assert fact(1) == 1
            assert fact(2) == 1 or fact(2) == 2
        """)
    text = path.read_text()
    seg = segment.segment(text)
    tests = discover.discover(str(path), text)
    base = childrun.run_tests(str(path), text, seg, tests, SETTINGS)
    facts = failures(seg, base, text)
    cheat = text.replace("    out = 1\n", "    if n == 5:\n        return 120\n    out = 1\n")
    honest = text.replace("range(2, n)", "range(2, n + 1)")

    def guard(new_text):
        cand = Candidate(0, len(text), new_text, "test", 1, "", "", "", 1.0, new_text=new_text)
        return overfitting(str(path), text, seg, tests, base, Outcome(cand, Validation([], [], 0, 0), base), facts,
                           SETTINGS, None, threading.Event(), float("inf"))

    cheated, fixed = guard(cheat), guard(honest)
    assert cheated.features["test_literals"] == 2 and cheated.features["const_return"]
    assert not fixed.features["test_literals"] and not fixed.features["const_return"]
    assert not fixed.features["deletes_code"] and cheated.suspect > fixed.suspect
    # fact(2) returns 2 instead of 1 under the honest fix: what a passing test computes changed.
    assert fixed.features["passing_drift"] == 1.0 and cheated.features["passing_drift"] == 0.0


def even_run(tmp_path):
    """biggest_even returns 13 for y = 14 (`y % 3` where `y % 2` is meant): the file, its blocks, its tests, the
    traced run of the original and the failure facts."""
    from tracefix import childrun, discover, segment
    from tracefix.localize import failures

    path = write(tmp_path, "even.py", """\
        def biggest_even(x, y):
            if y % 3 == 0:
                return y
            return y - 1


        def test_even():
            assert biggest_even(2, 14) == 14
        """)
    text = path.read_text()
    seg = segment.segment(text)
    tests = discover.discover(str(path), text)
    base = childrun.run_tests(str(path), text, seg, tests, SETTINGS)
    facts = failures(seg, base, text)
    assert facts, "the test fails on the original"
    return path, text, seg, tests, base, facts


def test_an_edit_that_makes_an_operation_do_nothing_is_flagged_and_held(tmp_path):
    """he102-s2 of the held-out repair sample: `return y - 1` → `return y - 0` passed the visible tests and failed
    the hidden ones. The guard flags it on a real child run; decide() holds it at the default knob."""
    from tracefix import decide
    from tracefix.model import Validation
    from tracefix.repair.candidate import Candidate
    from tracefix.repair.overfit import overfitting
    from tracefix.repair.search import Outcome

    path, text, seg, tests, base, facts = even_run(tmp_path)

    def guard(new_text):
        cand = Candidate(0, len(text), new_text, "test", 1, "", "", "", 1.0, new_text=new_text)
        return overfitting(str(path), text, seg, tests, base, Outcome(cand, Validation([], [], 0, 0), base), facts,
                           SETTINGS, None, threading.Event(), float("inf"))

    disguised, honest = guard(text.replace("y - 1", "y - 0")), guard(text.replace("y % 3", "y % 2"))
    assert disguised.features["no_op"] and not honest.features["no_op"]
    assert decide.hold_reason(disguised.features) == decide.NO_OP and decide.hold_reason(honest.features) is None


def test_alternatives_count_same_block_fixes_that_compute_something_else(tmp_path):
    """`y % 7` passes the one test as `y % 2` does but returns 15 for y = 16 where `y % 2` returns 16: an
    alternative. `0 == y % 2` agrees with `y % 2` on every neighbouring input: the same fix, not counted."""
    from tracefix import childrun, segment
    from tracefix.model import Validation
    from tracefix.repair import alternatives
    from tracefix.repair.candidate import Candidate
    from tracefix.repair.overfit import Baseline, overfitting
    from tracefix.repair.search import Outcome

    path, text, seg, tests, base, facts = even_run(tmp_path)
    baseline = Baseline.measure(str(path), text, base, facts, SETTINGS, None, threading.Event())
    assert baseline.tokens, "the failing call's neighbours could not be run"

    def fix(new_text):
        cand = Candidate(0, len(text), new_text, "test", 2, "", "", "", 1.0, new_text=new_text, block="B")
        run = childrun.run_tests(str(path), new_text, segment.segment(new_text), tests, SETTINGS)
        outcome = Outcome(cand, Validation([], [], 0, 0), run)
        return outcome, overfitting(str(path), text, seg, tests, base, outcome, facts, SETTINGS, None,
                                    threading.Event(), float("inf"), baseline)

    (right, g_right), (other, g_other), (same, g_same) = fixes = [
        fix(text.replace("y % 3 == 0", change)) for change in ("y % 2 == 0", "y % 7 == 0", "0 == y % 2")]
    outcomes, guards = [o for o, _ in fixes], [g for _, g in fixes]
    assert g_right.tokens == g_same.tokens != g_other.tokens
    assert alternatives(right, g_right, outcomes, guards) == 1
    assert alternatives(other, g_other, outcomes, guards) == 2
    assert alternatives(right, g_right, [right, same], [g_right, g_same]) == 0


@pytest.mark.parametrize("before, after, no_op", [
    ("y - 1", "y - 0", True), ("n * 2", "n * 1", True), ("2 + n", "0 + n", True), ("x / 2.0", "x / 1.0", True),
    ("i += 1", "i += 0", True), ("x ** 2", "x ** 1", True), ("1 - x", "0 - x", False),
    ("x + 1", "x + True", False), ("x - 0", "x - 0", False), ("n // 2", "n // 3", False)])
def test_no_op_operands(before, after, no_op):
    import ast

    from tracefix.repair.overfit import _no_ops

    assert (_no_ops(ast.parse(after)) > _no_ops(ast.parse(before))) is no_op


def test_neighbouring_inputs_show_a_fix_that_raises_outside_the_failing_input(tmp_path):
    from tracefix.repair import neighbours

    path = write(tmp_path, "avg.py", """\
        def average(xs):
            if not xs:
                return 0
            return sum(xs) / (len(xs) + 1)


        def test_one():
            assert average([4]) == 4
        """)
    text = path.read_text()
    call = ("average", ([4],))
    assert neighbours.neighbours(call[1]) == [([],), ([4, 4],)]

    def tokens(new_text):
        return neighbours.tokens(str(path), new_text, call, SETTINGS, None, threading.Event())

    original = tokens(text)
    right = tokens(text.replace("(len(xs) + 1)", "len(xs)"))
    cheat = tokens(text.replace("sum(xs) / (len(xs) + 1)", "xs[0]").replace("    if not xs:\n        return 0\n", ""))
    assert right[0] == original[0] != right[1]  # same on the empty list, right where the bug was
    assert neighbours.compare(original, right) == {"neighbour_changed": 0.5, "neighbour_errors": 0.0}
    assert cheat[0] == "!IndexError"  # the original returned 0 there
    assert neighbours.compare(original, cheat)["neighbour_errors"] == 0.5


def test_fixes_that_pass_everything_in_different_blocks_are_rivals():
    from tracefix.model import RunResult, TestResult, Validation
    from tracefix.repair import rivals
    from tracefix.repair.search import Outcome
    from tracefix.repair.candidate import Candidate

    def outcome(block, passed):
        cand = Candidate(0, 0, "", "op", 1, "", "", "", 1.0, block=block)
        # A skipped test neither passes nor fails: it does not stop a fix from leaving no test failing.
        tests = [TestResult(f"t{i}", "passed" if i < passed else "failed") for i in range(3)]
        run = RunResult("3", tests + [TestResult("t_skip", "skipped")])
        return Outcome(cand, Validation(["t"], [], passed, 4), run)

    here, there, also_here, partial = outcome("f:B1", 3), outcome("f:B2", 3), outcome("f:B1", 3), outcome("f:B3", 2)
    every = [here, there, also_here, partial]
    assert [rivals(o, every) for o in every] == [1, 2, 1, 0]


def test_edit_size_counts_lines_tokens_and_characters_of_the_change_only():
    doc = "def f(x):\n    if x > 1:\n        return x\n    return 0\n"
    assert edit_size(doc, doc) == EditSize(0, 0, 0)
    assert edit_size(doc, doc.replace("x > 1", "x >= 1")) == EditSize(1, 1, 1)
    # Two one-token edits far apart (a combined fix): the lines between them are not part of the change.
    assert edit_size(doc, doc.replace("x > 1", "x < 1").replace("return 0", "return 1")) == EditSize(2, 2, 4)
    # An inserted line: one line, its tokens and characters.
    added = doc.replace("    return 0\n", "    return 0\n    return x\n")
    assert edit_size(doc, added) == EditSize(1, 2, len("    return x\n"))


def test_edit_rank_reads_the_ranking_it_is_given():
    from tracefix.model import RunResult, ScoredBlock, Validation
    from tracefix.repair import edit_rank
    from tracefix.repair.search import Outcome
    from tracefix.repair.candidate import Candidate
    from tracefix.segment import segment

    doc = "def f(x):\n    y = x + 1\n    if y > 2:\n        return y\n    return 0\n\n\ndef g():\n    return 1\n"
    seg = segment(doc)
    new = doc.replace("y > 2", "y >= 2")
    cand = Candidate(0, 0, "", "comparison", 3, ">", ">=", "t", 1.0, new_text=new,
                     block=seg.block_at(3).id, block_rank=0)
    outcome = Outcome(cand, Validation(["t1"], [], 1, 1), RunResult(python="", tests=[]))
    home = seg.block_at(3)
    others = [b for b in seg.blocks if b.id != home.id]
    assert edit_rank([ScoredBlock(home, 0.9)] + [ScoredBlock(b, 0.5) for b in others], seg, doc, outcome) == 0
    # After a re-rank that put two other blocks first, the same edit is at rank 2.
    assert edit_rank([ScoredBlock(b, 0.5) for b in others[:2]] + [ScoredBlock(home, 0.4)], seg, doc, outcome) == 2
    assert edit_rank([ScoredBlock(b, 0.5) for b in others], seg, doc, outcome) == -1


# `(None,) * n` became `(None,) // n`: the line always raises, and flipping the `if` in front of it "fixes" test_short.
PAD_WITH_CRASH = """\
    def pad(args, n):
        if len(args) < n:
            args = args + (None,) // (n - len(args))
        return len(args) >= 1


    def test_short():
        assert pad((1,), 3)


    def test_exact():
        assert pad((1, 2), 2)
    """


def test_a_flipped_if_in_front_of_code_that_always_raises_is_a_detour_not_a_fix(tmp_path):
    """skips_crash: `(None,) // n` raises whenever it runs; flipping the `if` before it makes every test
    pass without touching it (the wrong fix shown on toolz's check_partial), the `*` fix repairs it."""
    from tracefix import discover, segment, childrun
    from tracefix.decide import SKIPS_CRASH, hold_reason
    from tracefix.localize import failures
    from tracefix.model import Validation
    from tracefix.repair.overfit import overfitting
    from tracefix.repair.search import Outcome
    from tracefix.repair.candidate import Candidate

    path = write(tmp_path, "pad.py", PAD_WITH_CRASH)
    text = path.read_text()
    seg = segment.segment(text)
    tests = discover.discover(str(path), text)
    base = childrun.run_tests(str(path), text, seg, tests, SETTINGS)
    assert {t.id.split("::")[-1]: t.outcome for t in base.tests} == {"test_short": "failed", "test_exact": "passed"}
    facts = failures(seg, base, text)

    def guard(new_text):
        cand = Candidate(0, len(text), new_text, "test", 1, "", "", "", 1.0, new_text=new_text)
        return overfitting(str(path), text, seg, tests, base, Outcome(cand, Validation([], [], 0, 0), base), facts,
                           SETTINGS, None, threading.Event(), float("inf")).features

    detour, repaired = guard(text.replace("len(args) < n", "len(args) > n")), guard(text.replace("//", "*"))
    assert detour["skips_crash"] and not repaired["skips_crash"]
    assert hold_reason(detour) == SKIPS_CRASH and hold_reason(repaired) is None


def test_a_detour_is_held_and_the_report_points_at_the_code_it_routes_around(tmp_path):
    """End to end: the only validated fix flips the `if` in front of `(None,) // n`; it is held (never shown)
    and the top suspect is the line that raises, not the flipped condition."""
    path = write(tmp_path, "pad.py", PAD_WITH_CRASH)
    report = run(path)
    detours = [s for s in report.suggestions if s.features.get("skips_crash")]
    assert detours and not any(s.shown for s in detours)
    assert report.blocks[0].block.start_line <= 3 <= report.blocks[0].block.end_line


def test_drift_counts_only_the_tests_both_runs_recorded_in_full(tmp_path):
    """passing_drift_of: the tests past the per-run budget (Budget.TESTS_PER_CODE) record no returns in
    either run; counted as unchanged, they would dilute the share of tests whose returns the patch changed."""
    from tracefix import childrun, discover, segment
    from tracefix.contract import Budget, Cut
    from tracefix.repair.overfit import passing_drift_of

    # `half` first runs in the third test, so tests 3 and 4 record its values but not double's.
    source = "def double(n):\n    return n * 2\n\n\ndef half(n):\n    return n / 2\n"
    write(tmp_path, "test_mod.py", "import pytest\nfrom mod import double, half\n\n\n"
          "@pytest.mark.parametrize('n', range(1, 7))\n"
          "def test_double(n):\n    assert double(n) > (half(n) if n > 2 else 0)\n")

    def traced(text):
        path = write(tmp_path, "mod.py", text)
        tests = discover.discover(str(path), text)
        return childrun.run_tests(str(path), text, segment.segment(text), tests, SETTINGS,
                                  budgets={Budget.TESTS_PER_CODE: 2})

    base, patched = traced(source), traced(source.replace("n * 2", "n * 3"))
    assert [t.outcome for t in patched.tests] == ["passed"] * 6
    assert sum(base.cut_by(t.id, Cut.TESTS) for t in base.tests) == 4
    # Tests 1 and 2 recorded double, whose returns the patch changed; 3 and 4 recorded only half.
    assert passing_drift_of(base, patched) == 1.0
