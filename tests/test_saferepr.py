"""saferepr's shortcuts to C's repr write exactly what its item-by-item walk writes.

The probe renders most values through ``repr`` of exact builtins when it can prove the text is
the same as its own bounded walk would give (saferepr._exact). These tests hold it to that on
seeded random nested values, budgets and cuts included, with the walk as the reference."""
import random

import pytest

from probe_files import load_probe

saferepr = load_probe("saferepr.py", "_tracefix_saferepr_test")


class Walk(saferepr.SafeRepr):
    """Every container through _join: no shortcut to C's repr."""

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


def _value(rnd, depth):
    if depth <= 0 or rnd.random() < 0.35:
        return _scalar(rnd)
    n = rnd.choice([0, 1, 2, 3, 5, 6, 7, 8, 9, 12])
    kind = rnd.randrange(4)
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
def test_the_shortcuts_write_what_the_walk_writes(limit):
    rnd = random.Random(limit)
    fast, walk = saferepr.SafeRepr(limit), Walk(limit)
    values = [_value(rnd, rnd.randrange(1, 6)) for _ in range(4000)]
    differ = [(v, fast.repr(v), walk.repr(v)) for v in values if fast.repr(v) != walk.repr(v)]
    assert not differ, differ[:3]
    # The draw reaches the shortcuts: nested containers of scalars that fit.
    assert sum(1 for v in values if isinstance(v, (list, tuple, dict)) and fast._exact(
        list(v.values()) if isinstance(v, dict) else v, fast.maxlevel,
        list(v) if isinstance(v, dict) else ()) and len(fast.repr(v)) < limit) > 100
