"""Writes into HOME and the user's config folders."""
import os


def remember(value):
    home = os.path.expanduser("~")
    for rel in (".tracefix_hostile_marker", ".config/tracefix_hostile_marker"):
        path = os.path.join(home, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(value)
    return value


def test_remember():
    assert remember("x") == "y"
