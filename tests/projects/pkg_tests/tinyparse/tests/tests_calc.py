from tinyparse import evaluate


def test_precedence():
    assert evaluate("2 + 3 * 4") == 14


def test_grouping():
    assert evaluate("(2 + 3) * 4") == 20
