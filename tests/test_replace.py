"""Value replacement (repair/replace.py) as a localization probe, on real traced and re-run children."""
import ast
import textwrap
import threading

from tracefix import childrun, discover, segment
from tracefix.config import Settings
from tracefix.localize import Probe, rerank
from tracefix.model import ScoredBlock
from tracefix.repair.replace import alternatives, replacements

# `adult` is wrong for 18 (`>` for `>=`): the failing tests had False there, a passing one had True.
TICKET = """\
def is_adult(age):
    adult = age > 18
    return adult


def ticket(age):
    price = 5
    if is_adult(age):
        price = 10
    return price


def test_child():
    assert ticket(8) == 5


def test_adult():
    assert ticket(30) == 10


def test_eighteen():
    assert ticket(18) == 10


def test_eighteen_twice():
    assert ticket(18) + ticket(18) == 20
"""


def traced(tmp_path, name, source):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    text = path.read_text()
    seg = segment.segment(text)
    run = childrun.run_tests(str(path), text, seg, discover.discover(str(path), text), Settings())
    assert not run.error, run.error
    return str(path), seg, run, text


def _ranking(seg, first, second):
    """A ranking where ``second`` is not first (as a spectrum over the failing tests may say)."""
    return [ScoredBlock(first, 0.7, "unknown", "Why."), ScoredBlock(second, 0.6, "unknown", "Why.")]


def test_replacing_a_wrong_value_with_a_passing_tests_value_lifts_its_block(tmp_path):
    from tracefix.repair import _probe

    path, seg, run, text = traced(tmp_path, "ticket.py", TICKET)
    adult, ticket_top = seg.block_at(2), seg.block_at(7)
    assert sorted(t.id.split("::")[-1] for t in run.tests if t.failing) == ["test_eighteen", "test_eighteen_twice"]
    assert alternatives(run, adult.id, "adult") == ["True"]  # False is what the failing tests had
    ranking = _ranking(seg, ticket_top, adult)
    cands = replacements(text, ast.parse(text), seg, ranking, run)
    # `price = 5` ends its block with 5 in every test: no alternative there.
    assert [(c.block, c.name, c.old, c.new) for c in cands] == [(adult.id, "adult", "age > 18", "True")]
    assert all(c.operator == "value_replace" for c in cands)
    assert "    adult = True\n" in cands[0].new_text

    # The probe as the repair runs it: only the failing tests, in real children, no fix found before.
    switched, replaced = _probe(path, text, seg, discover.discover(path, text), run, ranking, [], Settings(), None,
                                threading.Event(), lambda _m, _p: None, float("inf"))
    assert replaced == [Probe(adult.id, 2, "adult")]
    assert switched == [Probe(ticket_top.id, 2)]  # `if not (is_adult(age))` passes them too: switches ran first
    ranked = rerank(ranking, [], failing=2, passing=2, replaced=replaced)
    top = ranked[0]
    assert top.block.id == adult.id and top.suspiciousness == 0.8
    assert top.explanation.endswith(
        "Replacing `adult` with a value it had in a passing test makes 2 of 2 failing tests pass.")
    # A replacement that made no failing test pass moves nothing.
    inert = rerank(ranking, [], failing=2, passing=2, replaced=[Probe(adult.id, 0, "adult")])
    assert [(s.block.id, s.suspiciousness) for s in inert] == [(ticket_top.id, 0.7), (adult.id, 0.6)]


def test_no_literal_alternative_gives_no_candidates(tmp_path):
    """Objects render as no literal, and a value every test shares has no alternative."""
    path, seg, run, text = traced(tmp_path, "boxes.py", """\
        class Box:
            def __init__(self, v):
                self.v = v


        def wrap(v):
            box = Box(v * 2)
            scale = 2
            return box.v * scale


        def test_one():
            assert wrap(1) == 4


        def test_two():
            assert wrap(2) == 4
        """)
    wrap = seg.block_at(7)
    assert [t.outcome for t in run.tests] == ["passed", "failed"]
    ranking = [ScoredBlock(wrap, 0.9, "unknown", "Why.")]
    assert alternatives(run, wrap.id, "box") == [] and alternatives(run, wrap.id, "scale") == []
    assert replacements(text, ast.parse(text), seg, ranking, run) == []


def test_replaced_values_are_evidence_never_suggestions(tmp_path):
    """A forced constant that makes the failing tests pass is not a fix: the repair never shows it."""
    from tracefix.localize import localize
    from tracefix.repair import repair_and_rank

    path, seg, run, text = traced(tmp_path, "units.py", """\
        UNITS = {"len": "mm", "capacity": "l", "volume": "cm3"}


        def label(quantity, value):
            unit = UNITS[quantity]
            return f"{value} {unit}"


        def test_len():
            assert label("len", 3) == "3 mm"


        def test_capacity():
            assert label("capacity", 2) == "2 l"


        def test_volume():
            assert label("volume", 1) == "1 l"
        """)
    block = seg.block_at(5)
    assert alternatives(run, block.id, "unit") == ["'mm'", "'l'"]
    # No time limit that matters (the budget is far above what the few runs take): the outcome is the runs'.
    settings = Settings(repair_seconds=600.0, max_candidates=4)
    out = repair_and_rank(path, text, seg, discover.discover(path, text), run, localize(seg, run, text), settings)
    assert "Replacing `unit` with a value it had in a passing test makes 1 of 1 failing test pass." in next(
        sb.explanation for sb in out.blocks if sb.block.id == block.id)
    assert all(s.features["operator"] != "value_replace" and "unit = 'l'" not in s.new_text
               for s in out.suggestions)
