"""The decide stage: validation gate, model, precision knob, learning from feedback."""
from __future__ import annotations

import pytest

from tracefix import decide as d
from tracefix.config import Settings
from tracefix.feedback import FeedbackStore
from tracefix.model import Report, Suggestion, Validation
from tracefix.model import TestResult as Result  # aliased so pytest does not collect it


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    # decide() opens the user's store by default: keep it inside the test's folder.
    monkeypatch.setenv("TRACEFIX_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def suggestion(sid="s1", operator="comparison", fixed=1, broken=0, total=4, passed=4, lines=1, tokens=1,
               rank=0, top=True, origin="template", agreement=None, title=None) -> Suggestion:
    features = {"operator": operator, "edit_lines": lines, "edit_tokens": tokens, "block_rank": rank,
                "in_top_block": top, "tests_fixed": fixed, "tests_total": total, "tests_broken": broken,
                "origin": origin,
                # The run's failing tests, as decide() would record them: those fixed and those left failing.
                "tests_failing": fixed + max(0, total - passed)}
    if agreement is not None:
        features["sample_agreement"] = agreement
    return Suggestion(id=sid, origin=origin, title=title or f"fix {sid}", explanation="", diff="",
                      edits=[{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}},
                              "newText": sid}],
                      new_text="", validation=Validation(fixed=[f"t{i}" for i in range(fixed)],
                                                         broken=[f"b{i}" for i in range(broken)],
                                                         passed=passed, total=total),
                      features=features)


def report(*suggestions: Suggestion, failing: bool = True) -> Report:
    tests = [Result("test_ok", "passed"), Result("test_bad", "failed" if failing else "passed")]
    return Report(file="x.py", python="3.11", tests=tests, blocks=[], suggestions=list(suggestions))


def strong(sid="s1", **kw):
    return suggestion(sid, **{"fixed": 3, "total": 8, "passed": 8, "lines": 1, "tokens": 1, "rank": 0,
                              "top": True, **kw})


def weak(sid="s2", **kw):
    return suggestion(sid, **{"fixed": 1, "total": 8, "passed": 5, "lines": 6, "tokens": 30, "rank": 6,
                              "top": False, **kw})


def test_no_failing_test_abstains_with_a_message():
    r = report(strong(), failing=False)
    d.decide(r, Settings())
    assert d.NO_FAILING in r.messages
    s = r.suggestions[0]
    assert not s.shown and s.p_accept == 0 and s.reason == d.NO_FAILING and s.features["display"] == "none"
    empty = report(failing=False)
    d.decide(empty, Settings())
    assert empty.messages == [d.NO_FAILING]


def test_unvalidated_is_never_shown_whatever_the_knob():
    breaks = strong("s1", broken=1)
    fixes_nothing = strong("s2", fixed=0)
    unchecked = strong("s3")
    unchecked.validation = None
    del unchecked.features["tests_fixed"]
    r = report(breaks, fixes_nothing, unchecked)
    d.decide(r, Settings(precision=0.0))
    assert [s.shown for s in r.suggestions] == [False, False, False]
    assert r.suggestions[0].reason == "not validated: breaks 1 passing test"
    assert r.suggestions[1].reason == "not validated: fixes no failing test"
    assert r.suggestions[2].reason == "not validated"
    assert all(s.features["display"] == "none" and s.p_accept == 0 for s in r.suggestions)


def test_model_prefers_small_top_block_edits_that_make_everything_pass():
    r = report(strong(), weak())
    d.decide(r, Settings())
    a, b = r.suggestions
    assert 0 < b.p_accept < a.p_accept < 1
    assert a.reason and b.reason and len(a.reason) < 120


def test_precision_knob_trades_coverage_for_surety():
    suggestions = [strong("a"), weak("b"), suggestion("c", fixed=2, total=6, passed=6, lines=2, tokens=5, rank=1),
                   suggestion("d", fixed=1, total=3, passed=2, lines=3, tokens=8, rank=2, top=False)]
    shown_at = {}
    for precision in (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0):
        r = report(*[suggestion_copy(s) for s in suggestions])
        d.decide(r, Settings(precision=precision))
        shown_at[precision] = {s.id for s in r.suggestions if s.shown}
    levels = sorted(shown_at)
    for lo, hi in zip(levels, levels[1:]):
        assert shown_at[hi] <= shown_at[lo], (lo, hi, shown_at)
    assert shown_at[0.0] == {"a", "b", "c", "d"}  # knob at 0 = "show if validated"
    assert shown_at[1.0] == set()  # beyond what the corpus reached: abstain


def suggestion_copy(s: Suggestion) -> Suggestion:
    f = s.features
    return suggestion(s.id, operator=f["operator"], fixed=f["tests_fixed"], total=f["tests_total"],
                      passed=s.validation.passed, lines=f["edit_lines"], tokens=f["edit_tokens"],
                      rank=f["block_rank"], top=f["in_top_block"])


def test_threshold_is_monotone_in_precision():
    values = [d.threshold(p / 100) for p in range(0, 101)]
    assert values == sorted(values)
    assert d.threshold(0.0) == pytest.approx(0.0, abs=0.05) and d.threshold(1.0) == 1.0
    assert d.threshold(-3) == d.threshold(0.0) and d.threshold(7) == d.threshold(1.0)


def test_display_levels():
    r = report(strong("a"), weak("b"))
    d.decide(r, Settings(precision=0.0))
    levels = {s.id: s.features["display"] for s in r.suggestions}
    assert all(s.shown for s in r.suggestions)
    assert levels["a"] == "high" and levels["b"] in ("high", "medium")
    r = report(strong("a"), weak("b"))
    d.decide(r, Settings(precision=0.97))
    b = r.suggestions[1]
    assert not b.shown and b.features["display"] == "low" and "unsure" in b.reason


def test_users_rejections_lower_that_operator_only(data_dir):
    store = FeedbackStore(str(data_dir))
    before = report(strong("a", operator="swap_args"), strong("b", operator="comparison"))
    d.decide(before, Settings(), store=store)
    p_swap, p_cmp = (s.p_accept for s in before.suggestions)
    for i in range(12):
        store.record(dict(strong(f"r{i}", operator="swap_args").features), "reject")
    after = report(strong("a", operator="swap_args"), strong("b", operator="comparison"))
    d.decide(after, Settings(), store=store)
    q_swap, q_cmp = (s.p_accept for s in after.suggestions)
    assert q_swap < p_swap - 0.2
    assert q_swap < q_cmp
    # Reset: back to the corpus prior.
    store.reset()
    again = report(strong("a", operator="swap_args"))
    d.decide(again, Settings(), store=store)
    assert again.suggestions[0].p_accept == pytest.approx(p_swap)


def test_acceptances_raise_the_probability(data_dir):
    store = FeedbackStore(str(data_dir))
    first = report(weak("a", operator="wrong_variable"))
    d.decide(first, Settings(), store=store)
    for i in range(15):
        store.record(dict(weak(f"w{i}", operator="wrong_variable").features), "accept")
    second = report(weak("a", operator="wrong_variable"))
    d.decide(second, Settings(), store=store)
    assert second.suggestions[0].p_accept > first.suggestions[0].p_accept + 0.1


def test_ignores_count_less_than_rejections():
    base = [{"event": "accept", "features": dict(strong(f"a{i}").features)} for i in range(3)]
    rejected, _ = d.learn(base + [{"event": "reject", "features": dict(strong("x").features)}] * 5)
    ignored, _ = d.learn(base + [{"event": "ignore", "features": dict(strong("x").features)}] * 5)
    x = d.vector(strong("y").features, (3, 8))
    assert rejected.predict(x) < ignored.predict(x)


def test_just_rejected_suggestion_is_held(data_dir):
    store = FeedbackStore(str(data_dir))
    r = report(strong("a"))
    d.decide(r, Settings(precision=0.0), store=store)
    assert r.suggestions[0].shown
    store.record(r.suggestions[0].features, "reject")  # what the LSP layer does on dismiss
    again = report(strong("a"))
    d.decide(again, Settings(precision=0.0), store=store)
    s = again.suggestions[0]
    assert not s.shown and s.features["display"] == "low" and "rejected" in s.reason


def test_unusable_store_still_decides(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 200)
    r = report(strong())
    d.decide(r, Settings(precision=0.0), store=FeedbackStore(str(bad)))
    assert r.suggestions[0].shown
    assert any("deciding without your feedback history" in m for m in r.messages)


def test_decide_reads_the_default_store(data_dir):
    store = FeedbackStore()  # TRACEFIX_DATA_DIR from the fixture
    for i in range(12):
        store.record(dict(strong(f"r{i}", operator="delete_statement").features), "reject")
    assert (data_dir / "feedback.sqlite3").exists()
    r = report(strong("a", operator="delete_statement"), strong("b", operator="comparison"))
    d.decide(r, Settings())
    assert r.suggestions[0].p_accept < r.suggestions[1].p_accept


def test_suggestion_key_is_stable_and_distinguishes_edits():
    assert d.suggestion_key(strong("a")) == d.suggestion_key(strong("a"))
    assert d.suggestion_key(strong("a")) != d.suggestion_key(strong("b"))


@pytest.mark.parametrize("args, expected", [
    ((100, False, True, True), "user is still typing"),
    ((None, False, False, True), "the document does not parse; fix the syntax error first"),
    ((5000, False, True, False), d.NO_FAILING),
    ((5000, True, True, True), "this suggestion was just rejected"),
    ((5000, False, True, True), None),
    ((None, False, True, None), None),
])
def test_should_hold(args, expected):
    assert d.should_hold(*args) == expected


def test_on_a_real_debug_run(tmp_path, data_dir):
    """A real Report from the engine (real child runs): validated fixes get decided, and a user
    who keeps rejecting comparison fixes sees them ranked below the others afterwards."""
    import shutil
    from pathlib import Path

    from tracefix import engine

    src = Path(__file__).resolve().parent.parent / "examples" / "grading.py"
    doc = tmp_path / "grading.py"
    shutil.copy(src, doc)
    r = engine.debug(engine.Request(str(doc), settings=Settings(precision=0.0)))
    assert r.failing and r.suggestions
    for s in r.suggestions:
        assert 0 < s.p_accept < 1 and s.shown and s.reason.startswith("validated")
        assert s.features["display"] in ("high", "medium") and s.features["key"]
    ops = {s.features["operator"] for s in r.suggestions}
    victim = sorted(ops)[0]
    store = FeedbackStore()
    for _ in range(15):
        store.record({**next(s for s in r.suggestions if s.features["operator"] == victim).features,
                      "key": "other"}, "reject")
    before = {s.id: s.p_accept for s in r.suggestions}
    d.decide(r, Settings(precision=0.0))
    for s in r.suggestions:
        if s.features["operator"] == victim:
            assert s.p_accept < before[s.id] - 0.2


def test_an_equivalent_alternative_is_held_behind_the_better_ranked_fix():
    """`score >= 90` and `score > 89` fix the same tests on the same line: one fix per bug is shown."""
    first, twin = strong("s1"), strong("s2")
    other_line = strong("s3")
    other_line.edits = [{"range": {"start": {"line": 7, "character": 0}, "end": {"line": 7, "character": 2}},
                         "newText": "x"}]
    r = report(first, twin, other_line)
    d.decide(r, Settings(precision=0.5))
    assert [s.shown for s in r.suggestions] == [True, False, True]
    assert r.suggestions[1].reason.startswith("an alternative to s1")


def test_the_top_suspect_is_the_block_the_first_shown_fix_edits(tmp_path):
    """When the best-ranked fix is held back, the one shown instead moves its block to the top of a
    real report, and its explanation says it is suspect #1."""
    import shutil
    from pathlib import Path

    from tracefix import engine
    from tracefix.edits import text_edits
    from tracefix.localize import edited_blocks

    doc = tmp_path / "grading.py"
    shutil.copy(Path(__file__).resolve().parent.parent / "examples" / "grading.py", doc)
    r = engine.debug(engine.Request(str(doc), settings=Settings(precision=0.0)))
    best = r.suggestions[0]
    text = doc.read_text()
    elsewhere = text.replace('    return "F"', '    return "F"  # elsewhere')
    other = suggestion("s9")
    other.edits = text_edits(text, elsewhere)
    home = edited_blocks(r.segmentation, other.edits)[0]
    assert r.blocks[0].block.id != home
    other.explanation = f"Block {home} (line 14) is suspect #4 (suspiciousness 0.10): it returns."
    best.validation.broken.append("test_top_scores")  # now held back by the validation gate
    r.suggestions.insert(0, other)
    d.decide(r, Settings(precision=0.0))
    assert not best.shown and other.shown
    assert r.blocks[0].block.id == home
    assert r.blocks[0].explanation.startswith("The shown fix (s9) edits this block.")
    assert f"Block {home} (line 14) is suspect #1 (suspiciousness" in other.explanation


def test_skipped_tests_of_a_real_suite_do_not_count_as_still_failing():
    """A suite with skips: 2 of 10 tests skipped, the one failing test fixed. Every failing test passes,
    which the model must read as such (``total - passed`` would say 2 still fail)."""
    f = {"tests_total": 10, "tests_passed": 8, "tests_fixed": 1, "operator": "comparison"}
    all_pass, fixed_frac = d.FEATURES.index("all_pass"), d.FEATURES.index("fixed_frac")
    assert d.vector(f)[all_pass] == 0.0 and d.vector(f)[fixed_frac] == pytest.approx(1 / 3)
    assert d.vector({**f, "tests_failing": 1})[all_pass] == 1.0
    assert d.vector({**f, "tests_failing": 1})[fixed_frac] == 1.0
    assert d.vector({**f, "tests_failing": 3})[all_pass] == 0.0  # two failing tests left
    # decide() takes the failing count from the run it decides for.
    s = suggestion(fixed=1, total=4, passed=2)
    del s.features["tests_failing"]  # as repair hands it over: decide() reads it off the run
    r = Report(file="x.py", python="3.12", blocks=[], suggestions=[s],
               tests=[Result("a", "passed"), Result("b", "skipped"), Result("c", "xfailed"), Result("d", "failed")])
    d.decide(r, Settings(precision=0.0))
    s = r.suggestions[0]
    assert s.features["tests_failing"] == 1 and "every failing test passes" in s.reason


@pytest.mark.parametrize("feature, value, reason", [("rivals", 1, d.AMBIGUOUS), ("deletes_code", True, d.DELETES),
                                                   ("no_op", True, d.NO_OP)])
def test_rival_fixes_and_deletions_are_held_unless_the_knob_is_zero(feature, value, reason):
    for precision, shown in ((0.9, False), (0.0, True)):
        s = strong()
        s.features[feature] = value
        r = report(s)
        d.decide(r, Settings(precision=precision))
        assert s.shown is shown and s.p_accept > 0
        assert (s.reason == reason) is not shown
    lone = report(strong())
    d.decide(lone, Settings(precision=0.9))
    assert lone.suggestions[0].reason != d.AMBIGUOUS


def test_tests_that_error_before_reaching_the_file_do_not_make_a_fix_partial(tmp_path, data_dir):
    """A suite with a test that errors in its fixture ("unsupported locale setting", as natsort's do on a
    machine without the locale) before running any of the document: grading.py's fix still fixes every
    failing test that runs the file, is shown at the default knob, and the report says why the error
    does not count. Counted as still failing, it made every fix of such a project look partial."""
    import shutil
    import textwrap
    from pathlib import Path

    from tracefix import engine

    doc = tmp_path / "grading.py"
    shutil.copy(Path(__file__).resolve().parent.parent / "examples" / "grading.py", doc)
    (tmp_path / "test_locale_env.py").write_text(textwrap.dedent("""\
        import locale

        import pytest

        import grading


        @pytest.fixture
        def us_locale():
            raise locale.Error("unsupported locale setting")


        def test_letter_in_us_locale(us_locale):
            assert grading.letter(95) == "A"
        """))
    # At 0.9: grading's one-test boundary fix sits below the default knob's threshold, and "shown" is what says
    # the error did not make the fix partial.
    r = engine.debug(engine.Request(str(doc), settings=Settings(precision=0.9)))
    outcomes = {t.id.split("::")[-1]: t.outcome for t in r.tests}
    assert outcomes["test_letter_in_us_locale"] == "error" and outcomes["test_top_scores"] == "failed"
    assert [t.id.split("::")[-1] for t in d.unreached_errors(r)] == ["test_letter_in_us_locale"]
    assert any("errored before running any code of this file" in m for m in r.messages)
    shown = [s for s in r.suggestions if s.shown]
    assert shown and shown[0].features["tests_failing"] == 1 and shown[0].features["unreached_errors"] == 1
    assert "every failing test that runs this file passes" in shown[0].reason


def test_corroborated_needs_three_fixed_tests_and_one_that_passed_before_and_still_passes():
    """Fixes vouched for from both sides of the suite; a program whose every visible test failed has no
    passing test to vouch, however many failing ones the fix makes pass."""
    at = d.FEATURES.index("corroborated")
    assert d.CORROBORATED == 3
    both = {"tests_fixed": 3, "tests_passed": 4, "tests_failing": 3, "tests_total": 4}
    assert d.vector(both)[at] == 1.0
    assert d.vector({**both, "tests_fixed": 2, "tests_failing": 2})[at] == 0.0  # too few fixed
    every_test_failed = {"tests_fixed": 6, "tests_passed": 6, "tests_failing": 6, "tests_total": 6}
    assert d.vector(every_test_failed)[at] == 0.0
