"""saferepr's shortcuts to C's repr write exactly what its item-by-item walk writes.

The probe renders most values through ``repr`` of exact builtins when it can prove the text is
the same as its own bounded walk would give (saferepr._exact). These tests hold it to that on
seeded random nested values, budgets and cuts included, with the walk as the reference."""
import random

import pytest

from probe_files import load_probe

saferepr = load_probe("saferepr.py", "_tracefix_saferepr_test")


class Walk(saferepr.SafeRepr):
    """Every container through _join: no shortcut to C's repr, no stop once the text is known to be cut."""

    def __init__(self, limit):
        super().__init__(limit)
        self._stop = float("inf")

    def repr(self, value):
        return self._cut(self._r(value, self.maxlevel))

    def _plain_items(self, items):
        return False

    def _exact(self, items, level, keys=()):
        return False


def _scalar(rnd):
    return rnd.choice([
        lambda: rnd.randrange(-5, 100), lambda: "s" * rnd.randrange(0, 120), lambda: rnd.random(),
        lambda: None, lambda: rnd.random() < 0.5, lambda: 10 ** rnd.randrange(15, 25), lambda: "é'\"\n",
        lambda: b"x", lambda: float("nan"),
    ])()


class Node:
    """A user class whose instances link to each other (rendered field by field)."""

    def __init__(self, value, nxt):
        self.value, self.next = value, nxt


class Slotted:
    __slots__ = ("key", "prev", "next")

    def __init__(self, key, prev, nxt):
        self.key, self.prev, self.next = key, prev, nxt


def _value(rnd, depth):
    if depth <= 0 or rnd.random() < 0.3:
        return _scalar(rnd)
    n = rnd.choice([0, 1, 2, 3, 5, 6, 7, 8, 9, 12])
    kind = rnd.randrange(6)
    if kind == 4:
        return Node(_value(rnd, depth - 1), _value(rnd, depth - 1))
    if kind == 5:
        return Slotted(_scalar(rnd), _value(rnd, depth - 1), _value(rnd, depth - 1))
    if kind == 0:
        return [_value(rnd, depth - 1) for _ in range(n)]
    if kind == 1:
        return tuple(_value(rnd, depth - 1) for _ in range(n))
    if kind == 2:
        out = {}
        for _ in range(n):
            key = _scalar(rnd) if rnd.random() < 0.8 else (_scalar(rnd), _scalar(rnd))
            if not isinstance(key, (list, dict)):
                out[key] = _value(rnd, depth - 1)
        return out
    return {_scalar(rnd) for _ in range(n) if not isinstance(_scalar(rnd), list)}


@pytest.mark.parametrize("limit", [24, 96])
def test_the_shortcuts_and_the_early_stop_write_what_the_walk_writes(limit):
    rnd = random.Random(limit)
    fast, walk = saferepr.SafeRepr(limit), Walk(limit)
    values = [_value(rnd, rnd.randrange(1, 6)) for _ in range(4000)]
    differ = [(v, fast.repr(v), walk.repr(v)) for v in values if fast.repr(v) != walk.repr(v)]
    assert not differ, differ[:3]
    # The draw reaches the shortcuts: nested containers of scalars that fit.
    assert sum(1 for v in values if isinstance(v, (list, tuple, dict)) and fast._exact(
        list(v.values()) if isinstance(v, dict) else v, fast.maxlevel,
        list(v) if isinstance(v, dict) else ()) and len(fast.repr(v)) < limit) > 100


def test_a_class_with_its_own_metaclass_hash_and_eq_is_never_hashed():
    calls = []

    class Meta(type):
        def __hash__(cls):
            calls.append("hash")
            return 1

        def __eq__(cls, other):
            calls.append("eq")
            return False

    class Thing(metaclass=Meta):
        def __init__(self):
            self.a = 1

    r = saferepr.SafeRepr(96)
    assert [r.repr(Thing()) for _ in range(3)] == ["Thing(a=1)"] * 3
    assert calls == []


def test_abc_classes_and_enums_render_the_same_every_time():
    import abc
    import enum

    class Shape(abc.ABC):
        __slots__ = ("sides",)

        def __init__(self, sides):
            self.sides = sides

    class Color(enum.Enum):
        RED = 1

    r = saferepr.SafeRepr(96)
    assert [r.repr(Shape(3)) for _ in range(3)] == ["Shape(sides=3)"] * 3
    assert [r.repr(Color.RED) for _ in range(3)] == ["Color.RED"] * 3
