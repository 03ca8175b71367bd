"""Reading model answers defensively, splicing a function back, and the prompt pieces."""
import ast

from tracefix import edits
from tracefix.edits import edit_size
from tracefix.llm import prompts
from tracefix.llm.parse import normalized, parse_fix, parse_verdicts, signature
from tracefix.llm.splice import replace_function
from tracefix.model import Block, Visit

IDS = ["mean:B1", "mean:B2", "mean:B3"]

DOC = '''"""Module."""


def mean(values):
    """Arithmetic mean."""
    total = 0
    for i in range(len(values) - 1):
        total += values[i]
    return total / len(values)


class Box:
    @staticmethod
    def size(items):
        return len(items) + 1
'''


def test_verdicts_from_fenced_json_with_prose():
    text = 'Sure!\n```json\n{"verdicts": [{"block": "mean:B2", "verdict": "incorrect", "explanation": "skips last"},' \
           ' {"block": "mean:B1", "verdict": "correct", "explanation": "init"}]}\n```\nHope it helps.'
    v = parse_verdicts(text, IDS)
    assert v == {"mean:B2": ("incorrect", "skips last"), "mean:B1": ("correct", "init")}


def test_verdicts_tolerate_single_quotes_trailing_commas_and_short_ids():
    text = "{'verdicts': [{'block': 'B3', 'verdict': 'Incorrect.', 'reason': 'divides wrong',},]}"
    assert parse_verdicts(text, IDS) == {"mean:B3": ("incorrect", "divides wrong")}


def test_verdicts_from_mapping_and_from_plain_lines():
    assert parse_verdicts('{"mean:B1": "correct", "mean:B2": {"verdict": "incorrect"}}', IDS) == {
        "mean:B1": ("correct", ""), "mean:B2": ("incorrect", "")}
    lines = "mean:B2: incorrect - the range stops one early\nblock 1: correct"
    assert parse_verdicts(lines, IDS) == {"mean:B2": ("incorrect", "the range stops one early"),
                                          "mean:B1": ("correct", "")}


def test_verdicts_garbage_and_unknown_blocks_give_nothing():
    assert parse_verdicts("I think the code is fine overall.", IDS) == {}
    assert parse_verdicts('{"verdicts": [{"block": "other:B9", "verdict": "incorrect"}]}', IDS) == {}
    assert parse_verdicts('{"verdicts": [{"block": "mean:B1", "verdict": "maybe"}]}', IDS) == {}


def test_fix_explanation_then_fenced_code():
    text = ("The loop stops one element early, so the last value is never added.\n\n```python\n"
            "def mean(values):\n    total = 0\n    for i in range(len(values)):\n        total += values[i]\n"
            "    return total / len(values)\n```\n")
    fix, why = parse_fix(text, "mean")
    assert why == "" and fix.explanation.startswith("The loop stops one element early")
    assert "range(len(values))" in fix.code and fix.code.startswith("def mean")


def test_fix_unfenced_code_followed_by_prose():
    text = "Explanation: off by one.\ndef mean(values):\n    return sum(values) / len(values)\nThat fixes it."
    fix, why = parse_fix(text, "mean")
    assert why == "" and fix.code == "def mean(values):\n    return sum(values) / len(values)"
    assert fix.explanation == "off by one."


def test_fix_rejections_say_why():
    assert parse_fix("The bug is in the loop bound; use len(values).", "mean") == (None, "the answer contained no code")
    fix, why = parse_fix("Fix:\n```python\ndef mean(values:\n    return 1\n```", "mean")
    assert fix is None and "does not parse" in why
    fix, why = parse_fix("```python\ndef average(values):\n    return 1\n```", "mean")
    assert fix is None and "did not contain a function named mean" in why


def test_signature_change_is_detected_and_layout_is_not():
    a = ast.parse("def mean(values):\n    return 1").body[0]
    b = ast.parse("def mean(values, n=0):\n    return 1").body[0]
    c = ast.parse("def mean(values):\n    '''doc'''\n    # comment\n    return (1)").body[0]
    assert signature(a) != signature(b)
    assert signature(a) == signature(c) and normalized(a) == normalized(c)


def test_replace_function_keeps_indentation_decorators_and_the_rest():
    new = replace_function(DOC, "Box.size", "def size(items):\n    return len(items)")
    assert "    @staticmethod\n    def size(items):\n        return len(items)\n" in new
    assert new.replace("        return len(items)\n", "        return len(items) + 1\n") == DOC
    new = replace_function(DOC, "mean", "def mean(values):\n    return sum(values) / len(values)\n")
    ast.parse(new)
    assert new.startswith('"""Module."""\n\n\ndef mean(values):\n    return sum(values)') and "class Box" in new
    assert replace_function(DOC, "missing", "def missing():\n    pass") is None


def test_minimal_edits_round_trip_and_size():
    new = DOC.replace("range(len(values) - 1)", "range(len(values))")
    e = edits.text_edits(DOC, new)
    assert edits.apply_edits(DOC, e) == new and len(e) == 1 and e[0]["range"]["start"]["line"] == 6
    assert edit_size(DOC, new) == (1, 2, 4)  # one line; "-" and "1" gone, " - 1" is 4 characters


def test_marked_code_and_trace_cut_to_first_and_last_five():
    blocks = {"f:B1": Block("f:B1", "f", 2, 2), "f:B2": Block("f:B2", "f", 3, 4, kind="for")}
    code = prompts.marked_code(["def f(xs):", "    t = 0", "    for x in xs:", "        t += x"], 1,
                               list(blocks.values()))
    assert code.splitlines()[1] == "    # [f:B1] lines 2-2" and code.splitlines()[3] == "    # [f:B2] lines 3-4"
    entries = [("f:B2", Visit("t", i, {"t": str(i)}, {"t": str(i + 1)})) for i in range(23)]
    text = prompts.trace_blocks(entries, blocks)
    assert "13 block visits in the middle omitted" in text
    assert "(visit 1)" in text and "(visit 23)" in text and "(visit 12)" not in text
    assert "after:  t=23" in text
    flat = prompts.trace_lines(entries, blocks)
    assert "[f:B2]" not in flat and "line 4: t=1" in flat


def test_task_description_reads_docstring_and_comments():
    src = 'def f(x):\n    """Double x."""\n    # never negative\n    return 2 * x'
    assert prompts.task_description(src) == "Double x.\nnever negative"
