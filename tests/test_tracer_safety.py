"""Tracing must not change what the program does (DESIGN.md §1 step 3, §5).

Each scenario runs the same tests twice in real child interpreters, traced and untraced, and
the verdicts must agree. The user's classes count every dunder, descriptor and finalizer call
that rendering could trigger, and their tests assert the exact untraced counts; a blocking
``__repr__`` would turn a pass into a timeout; recursion is sized to the interpreter's exact
limit. On 3.12+ the probe uses sys.monitoring, on 3.11 sys.settrace.
"""
import glob
import os
import re
import textwrap

import pytest

from tracefix import discover, segment, childrun
from tracefix.config import Settings


def _newest(pattern):
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{pattern}/bin/python")))
    return found[-1] if found else None


PYTHONS = {"3.11": "", "3.12": _newest("3.12.*"), "3.13": _newest("3.13.*")}


def interpreters():
    return [pytest.param(path, id=name, marks=[] if path is not None else
                         pytest.mark.skip(reason=f"no Python {name} under ~/.pyenv"))
            for name, path in PYTHONS.items()]


def run(tmp_path, name, source, python, traced):
    doc = tmp_path / name
    doc.write_text(textwrap.dedent(source))
    text = doc.read_text()
    # A generous timeout: a blocking __repr__ being called would show up as "timeout".
    return childrun.run_tests(str(doc), text, segment.segment(text), discover.discover(str(doc), text),
                           Settings(timeout=60), python=python or None, trace=traced)


def outcomes(result):
    return {t.id.split("::")[-1]: (t.outcome, t.message) for t in result.tests}


def rendered(result):
    """Every value text the trace holds, to check what the renderer showed."""
    out = []
    for visits in result.traces.values():
        for _, v in visits:
            out += list(v.before.values()) + list(v.after.values())
            out += [x for x in (v.returned, v.raised) if x is not None]
    return out


SIDE_EFFECTS = '''
    class Key:
        lt = eq = hashed = 0

        def __init__(self, v):
            self.v = v

        def __lt__(self, other):
            Key.lt += 1
            return self.v < other.v

        def __eq__(self, other):
            Key.eq += 1
            return self.v == other.v

        def __hash__(self):
            Key.hashed += 1
            return self.v % 3


    def build(n):
        keys = set()
        table = {}
        for i in range(n):
            k = Key(i)
            keys.add(k)
            table[k] = i
        return keys, table


    class Lazy:
        misses = 0
        reads = 0

        def __init__(self):
            self.loaded = True

        def __getattr__(self, name):
            Lazy.misses += 1
            raise AttributeError(name)

        @property
        def size(self):
            Lazy.reads += 1
            return 3


    class Sneaky(list):
        iterated = 0

        def __iter__(self):
            Sneaky.iterated += 1
            return super().__iter__()

        def __len__(self):
            Sneaky.iterated += 1
            return 0


    def hold_lazy():
        obj = Lazy()
        seq = Sneaky([1, 2])
        total = 0
        for _ in range(3):
            total += 1
        return obj, seq, total


    class Tracked:
        alive = 0

        def __init__(self):
            Tracked.alive += 1

        def __del__(self):
            Tracked.alive -= 1


    def churn(n):
        peak = 0
        for i in range(n):
            t = Tracked()
            peak = max(peak, Tracked.alive)
        del t
        return peak


    def drop(flag):
        t = Tracked()
        gone = False
        if flag:
            del t
            gone = Tracked.alive == 0
        return gone


    class Blocking:
        def __repr__(self):
            while True:
                pass

        __str__ = __repr__


    def hold_blocking():
        b = Blocking()
        items = [b, {b: b}]
        return len(items)


    class Loud(Exception):
        spoken = 0

        def __str__(self):
            Loud.spoken += 1
            raise RuntimeError("no message for you")


    def fail_loudly(x):
        if x > 1:
            raise Loud(x)
        return x


    def test_sets_and_dicts_are_neither_sorted_nor_compared():
        keys, table = build(6)
        assert (Key.lt, Key.eq, Key.hashed) == (0, 6, 12)


    def test_no_getattr_property_or_overridden_iter():
        obj, seq, total = hold_lazy()
        assert (Lazy.misses, Lazy.reads, Sneaky.iterated, total) == (0, 0, 0, 3)


    def test_finalizers_run_on_time():
        assert churn(40) == 1
        assert drop(True) is True
        assert Tracked.alive == 0


    def test_blocking_repr_is_never_called():
        assert hold_blocking() == 2


    def test_exception_with_raising_str_is_not_asked():
        try:
            fail_loudly(2)
        except Loud as exc:
            assert exc.args == (2,)
        assert fail_loudly(1) == 1
        assert Loud.spoken == 0


    def test_recursion_limit_reads_back_as_set():
        import sys
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(old + 7)
        try:
            assert sys.getrecursionlimit() == old + 7
        finally:
            sys.setrecursionlimit(old)


    def test_a_real_failure_stays_one():
        assert build(2)[1][Key(1)] == 2
'''


@pytest.mark.parametrize("python", interpreters())
def test_traced_and_untraced_verdicts_agree_on_side_effect_heavy_code(tmp_path, python):
    untraced = run(tmp_path, "mod.py", SIDE_EFFECTS, python, traced=False)
    traced = run(tmp_path, "mod.py", SIDE_EFFECTS, python, traced=True)
    plain, seen = outcomes(untraced), outcomes(traced)
    assert {k: v[0] for k, v in seen.items()} == {k: v[0] for k, v in plain.items()}, (seen, plain)
    assert plain["test_a_real_failure_stays_one"][0] == "failed"
    assert all(o == "passed" for k, (o, _) in plain.items() if k != "test_a_real_failure_stays_one"), plain

    # Tracing did happen, and shows the user's objects by their fields, without their code.
    values = rendered(traced)
    assert any(re.search(r"\{Key\(v=\d\)", v) for v in values), values
    assert "Blocking()" in " ".join(values)
    assert any("Sneaky([1, 2])" in v for v in values), values
    assert any(v.startswith("Lazy(loaded=True") for v in values), values
    assert any(v == "Loud: 2" for v in values), values  # the args, not the raising __str__


RECURSION = '''
    import sys


    def down(n):
        if n == 0:
            return 0
        return down(n - 1) + 1


    def fits(n):
        try:
            down(n)
            return True
        except RecursionError:
            return False
'''

MEASURE = RECURSION + '''

    def test_measure():
        lo, hi = 0, sys.getrecursionlimit()
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(mid):
                lo = mid
            else:
                hi = mid - 1
        assert False, "room=%d" % lo
'''

AT_THE_LIMIT = RECURSION + '''

    ROOM = {room}


    def test_exactly_the_limit():
        assert fits(ROOM)


    def test_one_past_the_limit():
        assert not fits(ROOM + 1)
'''


@pytest.mark.parametrize("python", interpreters())
def test_recursion_to_exactly_the_limit_behaves_as_untraced(tmp_path, python):
    measured = run(tmp_path, "measure.py", MEASURE, python, traced=False)
    room = int(re.search(r"room=(\d+)", measured.tests[0].message).group(1))
    source = AT_THE_LIMIT.replace("{room}", str(room))
    untraced = run(tmp_path, "limit.py", source, python, traced=False)
    traced = run(tmp_path, "limit.py", source, python, traced=True)
    expected = {"test_exactly_the_limit": "passed", "test_one_past_the_limit": "passed"}
    assert {k: v[0] for k, v in outcomes(untraced).items()} == expected, outcomes(untraced)
    assert {k: v[0] for k, v in outcomes(traced).items()} == expected, outcomes(traced)
    assert traced.traces, "the recursion was traced"
