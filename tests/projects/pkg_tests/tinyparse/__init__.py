"""A tiny arithmetic parser: tokenize, then evaluate."""
from tinyparse.calc import evaluate
from tinyparse.lexer import tokenize

__all__ = ["evaluate", "tokenize"]
