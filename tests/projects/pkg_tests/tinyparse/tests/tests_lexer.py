import pytest

from tinyparse.lexer import tokenize


def test_numbers_and_operators():
    assert tokenize("12 + 3*4") == [("NUM", 12), ("OP", "+"), ("NUM", 3), ("OP", "*"), ("NUM", 4)]


def test_parentheses():
    assert tokenize("(1)") == [("OP", "("), ("NUM", 1), ("OP", ")")]


def test_rejects_letters():
    with pytest.raises(SyntaxError, match="'x'"):
        tokenize("1 + x")
