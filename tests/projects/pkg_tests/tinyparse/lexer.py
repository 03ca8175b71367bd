"""Split an arithmetic expression into tokens."""

OPERATORS = "+-*/()"


def tokenize(text):
    """'12+(3*4)' -> [('NUM', 12), ('OP', '+'), ('OP', '('), ...]."""
    tokens = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit():
            j = i
            while j < len(text) and text[j].isdigit():
                j += 1
            tokens.append(("NUM", int(text[i:j])))
            i = j
        elif ch in OPERATORS[:4]:
            tokens.append(("OP", ch))
            i += 1
        else:
            raise SyntaxError(f"unexpected {ch!r} at position {i}")
    return tokens
