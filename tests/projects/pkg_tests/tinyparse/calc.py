"""Evaluate an expression with the usual precedence (recursive descent)."""
from tinyparse.lexer import tokenize


def evaluate(text):
    tokens = tokenize(text)
    value, rest = _sum(tokens)
    if rest:
        raise SyntaxError(f"unexpected {rest[0][1]!r}")
    return value


def _sum(tokens):
    value, tokens = _product(tokens)
    while tokens and tokens[0] in (("OP", "+"), ("OP", "-")):
        op = tokens[0][1]
        rhs, tokens = _product(tokens[1:])
        value = value + rhs if op == "+" else value - rhs
    return value, tokens


def _product(tokens):
    value, tokens = _atom(tokens)
    while tokens and tokens[0] in (("OP", "*"), ("OP", "/")):
        op = tokens[0][1]
        rhs, tokens = _atom(tokens[1:])
        value = value * rhs if op == "*" else value / rhs
    return value, tokens


def _atom(tokens):
    if not tokens:
        raise SyntaxError("unexpected end of expression")
    kind, value = tokens[0]
    if kind == "NUM":
        return value, tokens[1:]
    if value == "(":
        inner, rest = _sum(tokens[1:])
        if not rest or rest[0] != ("OP", ")"):
            raise SyntaxError("missing ')'")
        return inner, rest[1:]
    raise SyntaxError(f"unexpected {value!r}")
