"""Neighbouring inputs: the original and the patched function run on inputs next to the failing
test's arguments, to see what a fix does outside the one input it was validated on.

The failing test's call into a top-level function of the document is read from the trace (its
arguments at the function's first block, when they are plain values). Neighbours vary one argument
at a time (an int ±1, a list or string one item shorter, ...). A harness appended to the text runs
them in the sandboxed child as one doctest and prints one token per input: a short digest of the
result's repr, or `!ExceptionName`. A patched program that raises where the original returned is
suspect; how many results change at all is recorded too.
"""
from __future__ import annotations

import ast
import threading
from typing import Any

from tracefix.config import Settings
from tracefix.localize import Failure
from tracefix.model import RunResult, TestCase, is_test_code
from tracefix.repair.evaluate import Unknown, literal

HARNESS = "_tracefix_neighbours"
MAX_INPUTS = 16
CALL_SECONDS = 0.5  # per neighbour call: a neighbour that loops forever must not eat the run's timeout


def failing_call(run: RunResult, failures: list[Failure], tree: ast.Module | None) -> tuple[str, tuple] | None:
    """(function, arguments) of the first failing test's direct call into a plain top-level function."""
    if tree is None:
        return None
    plain = {n.name: [a.arg for a in n.args.args] for n in tree.body if isinstance(n, ast.FunctionDef)
             and not (n.args.vararg or n.args.kwarg or n.args.kwonlyargs or n.args.posonlyargs)}
    for f in failures:
        visits = [(b.rsplit(":", 1)[0], v) for b, v in run.traces.get(f.test.id, [])]
        visits = [(fn, v) for fn, v in visits if not is_test_code(fn)]
        if not visits:
            continue
        top = min(v.depth for _, v in visits)
        fn, first = next((fn, v) for fn, v in visits if v.depth == top)
        if fn not in plain or not all(p in first.before for p in plain[fn]):
            continue
        try:
            return fn, tuple(literal(first.before[p]) for p in plain[fn])
        except Unknown:
            continue
    return None


def neighbours(args: tuple) -> list[tuple]:
    """Inputs next to ``args``: one argument varied at a time, each repr-exact (so it can be written out)."""
    out: list[tuple] = []
    for i, value in enumerate(args):
        for other in _variants(value):
            candidate = args[:i] + (other,) + args[i + 1:]
            if candidate != args and candidate not in out and _round_trips(candidate):
                out.append(candidate)
    return out[:MAX_INPUTS]


def _variants(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, value + 2, 0, -value]
    if isinstance(value, float):
        return [value + 1.0, value - 1.0, value * 2, 0.0]
    if isinstance(value, (str, list, tuple)):  # slices keep the type
        out = [value[1:], value[:-1], value[::-1], value + value[-1:]]
        return out + [value[:len(value) // 2]] if len(value) > 2 else out
    if isinstance(value, dict) and value:
        return [dict(list(value.items())[1:]), dict(list(value.items())[:-1])]
    return []


def _round_trips(value: Any) -> bool:
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False


def harness(function: str, inputs: list[tuple]) -> str:
    """Code appended to the document: one doctest printing a token per input."""
    return f'''


def {HARNESS}():
    """
    >>> {HARNESS}_tokens()
    ''
    """


def {HARNESS}_tokens():
    import hashlib as _hashlib
    import signal as _signal

    def _stop(*_):
        raise TimeoutError()

    _previous = _signal.signal(_signal.SIGALRM, _stop)
    _out = []
    for _args in {inputs!r}:
        try:
            _signal.setitimer(_signal.ITIMER_REAL, {CALL_SECONDS})
            _value = repr({function}(*_args))
            _out.append(_hashlib.sha1(_value.encode("utf-8", "replace")).hexdigest()[:6])
        except BaseException as _exc:
            _out.append("!" + type(_exc).__name__)
        finally:
            _signal.setitimer(_signal.ITIMER_REAL, 0)
    _signal.signal(_signal.SIGALRM, _previous)
    return " ".join(_out)
'''


def tokens(path: str, text: str, call: tuple[str, tuple], settings: Settings, python: str | None,
           cancel: threading.Event) -> list[str] | None:
    """One token per neighbour of ``call`` for the program ``text`` (None: the harness did not run)."""
    from tracefix import segment, childrun

    function, args = call
    inputs = neighbours(args)
    if not inputs:
        return None
    probe = text.rstrip("\n") + "\n" + harness(function, inputs)
    test = TestCase(f"doctest:{HARNESS}", "doctest", path, 0)
    run = childrun.run_tests(path, probe, segment.segment(probe), [test], settings, python=python, cancel=cancel,
                          trace=False)
    result = next((t for t in run.tests if t.id == test.id), None)
    if result is None or result.outcome != "failed" or ", got " not in result.message:
        return None  # the expected output is '' on purpose: a run that "passed" printed nothing
    try:
        out = literal(result.message.split(", got ", 1)[1])
    except Unknown:
        return None
    words = out.split() if isinstance(out, str) else []
    return words if len(words) == len(inputs) else None


def compare(original: list[str], patched: list[str]) -> dict[str, float]:
    """Share of neighbours whose result changed, and share where the patch raises and the original did not."""
    n = len(original)
    changed = sum(1 for a, b in zip(original, patched) if a != b)
    new_errors = sum(1 for a, b in zip(original, patched) if b.startswith("!") and not a.startswith("!"))
    return {"neighbour_changed": round(changed / n, 4), "neighbour_errors": round(new_errors / n, 4)}

