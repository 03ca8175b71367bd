"""Unified diffs and minimal LSP TextEdits between two versions of a document."""
from tracefix.edits import apply_edits, text_edits, unified_diff


def test_single_character_insert_is_one_minimal_edit():
    old = "def f(x):\n    if x > 90:\n        return 1\n"
    new = old.replace("x > 90", "x >= 90")
    edits = text_edits(old, new)
    assert edits == [{"range": {"start": {"line": 1, "character": 10}, "end": {"line": 1, "character": 10}},
                      "newText": "="}]
    assert apply_edits(old, edits) == new


def test_deleting_and_inserting_lines_round_trips():
    old = "a = 1\nb = 2\nc = 3\n"
    for new in ("a = 1\nc = 3\n", "a = 1\nb = 2\nif b:\n    c = 3\nc = 3\n", "", "x\n" + old, old + "d = 4"):
        assert apply_edits(old, text_edits(old, new)) == new


def test_columns_count_utf16_units_after_wide_characters():
    old = 's = "😀"; x = 1\n'
    new = 's = "😀"; x = 2\n'
    (edit,) = text_edits(old, new)
    # The emoji is two UTF-16 code units, so "1" sits at character 14, not 13.
    assert edit["range"]["start"] == {"line": 0, "character": 14}
    assert edit["newText"] == "2"
    assert apply_edits(old, [edit]) == new


def test_several_separate_changes_give_separate_edits():
    old = "a = 1\nb = 2\nc = 3\nd = 4\n"
    new = "a = 0\nb = 2\nc = 3\nd = 5\n"
    edits = text_edits(old, new)
    assert [e["range"]["start"]["line"] for e in edits] == [0, 3]
    assert apply_edits(old, edits) == new


def test_equal_texts_give_no_edits_and_no_diff():
    assert text_edits("x\n", "x\n") == []
    assert unified_diff("x\n", "x\n") == ""


def test_unified_diff_has_headers_and_marks_missing_final_newline():
    diff = unified_diff("a\nb", "a\nc", "m.py")
    assert diff.startswith("--- a/m.py\n+++ b/m.py\n@@")
    assert "-b\n\\ No newline at end of file\n+c\n" in diff
