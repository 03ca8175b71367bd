"""Segmentation: block structure per construct, syntax errors, and - most important - that
every leader line really is where CPython 3.9-3.13 fires a `line` event on block entry.

The leader checks run each snippet under `sys.settrace` in a real child interpreter (this
venv's Python, plus pyenv's other versions when present) and replay the events through the
rule a tracer uses (see tracefix.segment's docstring).
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tracefix.model import Segmentation
from tracefix.segment import segment, segment_with_spans

ROOT = Path(__file__).resolve().parents[1]


def blocks_of(seg: Segmentation, fn: str) -> list[tuple[str, int, int, int]]:
    """(kind, start, end, leader) of one function's blocks, in id order."""
    out = [b for b in seg.blocks if b.function == fn]
    assert [b.id for b in out] == [f"{fn}:B{i}" for i in range(1, len(out) + 1)]
    return [(b.kind, b.start_line, b.end_line, b.leader_line) for b in out]


def src(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


# --- structure ---------------------------------------------------------------------------------


def test_if_elif_else_blocks_and_leaders():
    seg = segment(src('''
        def letter(score):
            x = 1
            if score > 90:
                return "A"
            elif (
                    score >= 80):
                return "B"
            else:
                y = 2
            return "F"
    '''))
    assert blocks_of(seg, "letter") == [
        ("body", 2, 3, 2),       # straight line up to and including the `if` test
        ("if", 4, 4, 4),
        ("elif", 5, 6, 6),       # the elif test fires on its condition's line
        ("elif_body", 7, 7, 7),
        ("else", 9, 9, 9),       # `else:` never fires: led by its first statement
        ("after", 10, 10, 10),
    ]
    f = seg.functions[0]
    assert (f.name, f.start_line, f.end_line, f.def_line, f.params) == ("letter", 1, 10, 1, ("score",))


def test_loops_with_else_break_continue():
    seg = segment(src('''
        def f(xs):
            for x in xs:
                if x:
                    continue
                print(x)
            else:
                done = 1
            while xs:
                xs.pop()
                break
                unreachable = 1
            return 0
    '''))
    assert blocks_of(seg, "f") == [
        ("for", 2, 2, 2),
        ("loop_body", 3, 3, 3),
        ("if", 4, 4, 4),
        ("after", 5, 5, 5),
        ("else", 7, 7, 7),
        ("while", 8, 8, 8),
        ("loop_body", 9, 10, 9),
        ("unreachable", 11, 11, 11),
        ("after", 12, 12, 12),
    ]


def test_try_except_else_finally_with_match():
    seg = segment(src('''
        def f(a):
            try:
                a = int(a)
            except (ValueError,
                    TypeError) as e:
                return None
            except KeyError:
                pass
            else:
                a += 1
            finally:
                a -= 1
            with open(a) as fh:
                data = fh.read()
            match data:
                case "x":
                    r = 1
                case _:
                    r = 2
            return r
    '''))
    assert blocks_of(seg, "f") == [
        ("body", 2, 2, 2),        # the `try:` line fires once, in the block before the body
        ("try", 3, 3, 3),
        ("except", 4, 5, 4),
        ("handler", 6, 6, 6),
        ("except", 7, 7, 7),
        ("handler", 8, 8, 8),
        ("else", 10, 10, 10),
        ("finally", 12, 12, 12),
        ("after", 13, 13, 13),    # the with header runs in the join block
        ("with", 14, 14, 14),
        ("after", 15, 15, 15),    # match subject
        ("case", 16, 16, 16),
        ("case_body", 17, 17, 17),
        ("case", 18, 18, 18),
        ("case_body", 19, 19, 19),
        ("after", 20, 20, 20),
    ]


def test_nested_functions_methods_decorators_and_classes():
    text = src('''
        import functools

        class Stack:
            """A stack."""
            size = 0

            @functools.lru_cache
            def push(self, item, *rest, key=None, **kw):
                """Push it.

                Really.
                """
                def helper(x):
                    return x
                self.items.append(helper(item))

            async def pop(self, /, n: int = 1):
                async with self.lock:
                    return self.items.pop()

        def outer():
            class Inner:
                def m(self):
                    return lambda: 1
            return Inner
    ''')
    seg = segment(text)
    names = {f.name: f for f in seg.functions}
    assert list(names) == ["Stack.push", "Stack.push.helper", "Stack.pop", "outer", "outer.Inner.m"]
    push = names["Stack.push"]
    assert (push.start_line, push.def_line, push.end_line) == (7, 8, 15)
    assert push.params == ("self", "item", "rest", "key", "kw")
    assert push.docstring == "Push it.\n\nReally."
    assert names["Stack.pop"].params == ("self", "n")
    # The docstring never fires: the first block is led by the nested def statement.
    assert blocks_of(seg, "Stack.push") == [("body", 13, 15, 13)]
    assert blocks_of(seg, "Stack.push.helper") == [("body", 14, 14, 14)]
    assert blocks_of(seg, "Stack.pop") == [("body", 18, 18, 18), ("with", 19, 19, 19)]
    # Class bodies are folded into the block that runs the class statement.
    assert blocks_of(seg, "<module>") == [("body", 1, 25, 1)]
    assert not any(b.function in ("Stack", "outer.Inner") for b in seg.blocks)
    assert seg.block_at(14).id == "Stack.push.helper:B1"
    assert seg.block_at(15).id == "Stack.push:B1"
    assert seg.block_at(5).id == "<module>:B1"


def test_lambdas_and_comprehensions_stay_in_their_block():
    seg = segment(src('''
        def f(xs):
            key = lambda x: (x
                             if x else 0)
            ys = [y for y in xs
                  if y]
            return sorted(ys, key=key)
    '''))
    assert blocks_of(seg, "f") == [("body", 2, 6, 2)]
    assert [f.name for f in seg.functions] == ["f"]


def test_one_line_suites_stay_with_their_header():
    # CPython fires `if x: y = 1` once for header and body; a separate body block could not
    # be observed, so inline suites share their header's block.
    seg = segment(src('''
        def f(x):
            if x: y = 1
            while x: x -= 1
            for i in x: pass
            else: z = 1
            return x
    '''))
    assert blocks_of(seg, "f") == [
        ("body", 2, 2, 2), ("while", 3, 3, 3), ("for", 4, 4, 4), ("else", 5, 5, 5), ("after", 6, 6, 6)]


def test_statements_without_events_do_not_lead():
    seg = segment(src('''
        def g():
            """Doc."""
            global X
            y: int
            "a note"
            X = 1

        def h():
            """Only a docstring."""
    '''))
    # `global` emits nothing; `y: int` and a constant fire on 3.10+ only.
    assert blocks_of(seg, "g") == [("body", 3, 6, 6)]
    assert blocks_of(seg, "h") == [("body", 9, 9, 0)]  # nothing ever fires in it


def test_multiline_statement_spans():
    seg, spans = segment_with_spans(src('''
        def f(a):
            x = g(
                a,
                a)
            (
                print(x)
            )
            return (
                x)
    '''))
    assert blocks_of(seg, "f") == [("body", 2, 9, 2)]
    assert spans["f:B1"] == (2, 4)
    seg, spans = segment_with_spans(src('''
        def f(a):
            if a:
                (
                    print(a)
                )
    '''))
    # 3.10+ never fires the line holding only the opening parenthesis.
    assert blocks_of(seg, "f") == [("body", 2, 2, 2), ("if", 3, 5, 4)]
    assert spans["f:B2"] == (3, 5)


def test_headers_and_statements_fire_where_cpython_fires():
    seg = segment(src('''
        def f(x, xs):
            if x:
                assert (
                    x > 0), "msg"
            if x:
                with (
                        open(x) as a,
                        open(x)):
                    pass
            if x:
                match (
                        x):
                    case 1:
                        pass
            if x:
                del (
                    x)
    '''))
    leaders = [b.leader_line for b in seg.blocks if b.kind == "if"]
    assert leaders == [4, 7, 12, 17]


def test_leader_lines_are_unique_across_scopes():
    seg = segment("def outer():\n    def one(): return 1\n    return one\n")
    assert blocks_of(seg, "outer.one") == [("body", 2, 2, 2)]
    assert blocks_of(seg, "outer") == [("body", 2, 3, 3)]
    leaders = [b.leader_line for b in seg.blocks if b.leader_line]
    assert len(leaders) == len(set(leaders))


def test_module_body_blocks():
    seg = segment(src('''
        """Module doc."""
        import sys

        def main():
            return 0

        if __name__ == "__main__":
            sys.exit(main())
    '''))
    assert blocks_of(seg, "<module>") == [("body", 1, 7, 1), ("if", 8, 8, 8)]


def test_empty_and_blank_files():
    for text in ("", "\n\n", "# only a comment\n"):
        seg = segment(text)
        assert seg.blocks == [] and seg.functions == [] and seg.errors == []


def test_examples_segment_cleanly():
    for name in ("stats.py", "inventory.py", "grading.py", "test_stats.py", "test_inventory.py"):
        seg = segment((ROOT / "examples" / name).read_text())
        assert seg.errors == [], name
    stats = segment((ROOT / "examples" / "stats.py").read_text())
    assert blocks_of(stats, "mean") == [("body", 13, 13, 13), ("for", 14, 14, 14),
                                        ("loop_body", 15, 15, 15), ("after", 16, 16, 16)]
    assert stats.functions[0].docstring.startswith("Arithmetic mean")
    grading = segment((ROOT / "examples" / "grading.py").read_text())
    assert [b.kind for b in grading.blocks if b.function == "letter"] == [
        "body", "if", "elif", "elif_body", "elif", "elif_body", "after"]


# --- syntax errors -----------------------------------------------------------------------------


def test_syntax_error_in_one_function_keeps_the_others():
    text = src('''
        def good(a):
            if a:
                return 1
            return 2

        def broken(a):
            x = (a +
            return x

        def also_good():
            return 3
    ''')
    seg = segment(text)
    assert {b.function for b in seg.blocks} >= {"good", "also_good"}
    assert not any(b.function == "broken" for b in seg.blocks)
    assert blocks_of(seg, "good") == [("body", 2, 2, 2), ("if", 3, 3, 3), ("after", 4, 4, 4)]
    assert blocks_of(seg, "also_good") == [("body", 11, 11, 11)]
    assert len(seg.errors) == 1
    start, end, msg = seg.errors[0]
    assert (start, end) == (6, 8) and "broken" in msg


def test_syntax_error_at_module_level():
    text = src('''
        def good():
            return 1

        x = = 2

        def later(b):
            for i in b:
                pass
    ''')
    seg = segment(text)
    assert not any(b.function == "<module>" for b in seg.blocks)
    assert blocks_of(seg, "good") == [("body", 2, 2, 2)]
    assert blocks_of(seg, "later") == [("for", 7, 7, 7), ("loop_body", 8, 8, 8)]
    assert seg.errors and all(4 <= s <= e <= 4 for s, e, _ in seg.errors)
    assert "module-level" in seg.errors[0][2]


def test_half_typed_code_and_odd_input_do_not_crash():
    samples = [
        "def f(:\n", "def f(a):\n    if a\n", "class C(\n", "def", "if x:\n", ")))\n", "\x00\x01",
        "def f():\n    return '\udcff'\n", "def ü(ä):\n    return ä\n", "x = 1\r\ny = 2\r\n",
        "def f(a):\n  return [\n", "async def f():\n    await\n",
    ]
    for text in samples:
        seg = segment(text)
        for b in seg.blocks:
            assert 1 <= b.start_line <= b.end_line
    assert segment("def ü(ä):\n    return ä\n").functions[0].params == ("ä",)
    assert segment("def f(:\n").errors
    # Lines are counted as CPython counts them, whatever the line endings.
    for nl in ("\r\n", "\r"):
        seg = segment(nl.join(["def f(x):", "    if x:", "        return 1", "    return 2", ""]))
        assert blocks_of(seg, "f") == [("body", 2, 2, 2), ("if", 3, 3, 3), ("after", 4, 4, 4)]


def test_deeply_nested_and_large_input():
    deep = "def f(x):\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(60)) + "    " * 61 + "x = 1\n"
    seg = segment(deep)
    assert len([b for b in seg.blocks if b.function == "f"]) == 61
    too_deep = "def f(x):\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(500)) + "    " * 501 + "x = 1\n"
    seg = segment(too_deep)
    assert seg.errors and not any(b.function == "f" for b in seg.blocks)
    big = "\n".join(f"def f{i}(a):\n    if a:\n        return {i}\n    return -a\n" for i in range(3000))
    seg = segment(big)
    assert len(seg.functions) == 3000 and len(seg.blocks) == 9000 + 1


# --- leaders against real CPython --------------------------------------------------------------

# A stdlib-only tracer run in the child: for every snippet it records the `line` events of
# each frame of the snippet's code (frames are kept alive so ids stay unique).
CHILD = r'''
import io, json, sys
snippets = json.load(sys.stdin)
out = []
for text in snippets:
    events, frames, ids = [], [], {}
    def tracer(frame, event, arg):
        if frame.f_code.co_filename != "<snippet>":
            return None
        fid = ids.get(id(frame))
        if fid is None or frames[fid] is not frame:
            fid = ids[id(frame)] = len(frames)
            frames.append(frame)
        if event == "line":
            events.append([fid, frame.f_code.co_name, frame.f_code.co_firstlineno, frame.f_lineno])
        return tracer
    try:
        code = compile(text, "<snippet>", "exec")
    except SyntaxError as e:
        out.append({"skip": str(e)})
        continue
    real_stdout, sys.stdout = sys.stdout, io.StringIO()
    sys.settrace(tracer)
    try:
        exec(code, {"__name__": "__snippet__"})
    except BaseException as e:
        pass
    finally:
        sys.settrace(None)
        sys.stdout = real_stdout
    out.append({"events": events})
    del frames
print(json.dumps({"version": list(sys.version_info[:2]), "results": out}))
'''

SNIPPETS = [
    # if / elif / else, early returns, multi-line conditions
    '''
def letter(score):
    bonus = 0
    if score > 90:
        return "A"
    elif (
            score >= 80):
        bonus = 1
        return "B"
    elif score >= 70: return "C"
    else:
        bonus = 2
    return "F"
for s in (95, 85, 75, 10):
    letter(s)
''',
    # for/else, while/else, break, continue, while True, nested loops
    '''
def loops(xs):
    total = 0
    for x in xs:
        if x < 0:
            continue
        if x > 100:
            break
        total += x
    else:
        total += 1
    n = 3
    while n > 0:
        n -= 1
    else:
        total -= 1
    while True:
        n += 1
        if n > 2:
            break
    for i in range(2):
        for j in range(2):
            total += i * j
    return total
loops([1, -1, 2])
loops([1, 200, 3])
loops([])
''',
    # try / except / else / finally, raising, nested try in a loop, return through finally
    '''
def tries(v):
    out = []
    try:
        x = int(v)
    except (ValueError,
            TypeError) as e:
        out.append("bad")
    except KeyError:
        pass
    else:
        out.append(x)
    finally:
        out.append("done")
    for i in range(3):
        try:
            if i == 1:
                raise ValueError(i)
            out.append(i)
        except ValueError:
            continue
        finally:
            out.append(-i)
    try:
        return out
    finally:
        out.append("last")
def bare():
    try:
        {}["k"]
    except:
        r = 1
    return r
tries("1"); tries("x"); tries(None); bare()
''',
    # with (normal, raising, returning), nested with, multi-line with header
    '''
import contextlib
@contextlib.contextmanager
def cm():
    yield 1
def withs(flag):
    with cm() as a:
        b = a + 1
    if flag:
        with cm() as c, cm() as d:
            b += c + d
    try:
        with cm():
            raise KeyError
    except KeyError:
        b += 1
    with cm():
        return b
withs(True); withs(False)
''',
    # nested functions, closures, decorators, lambdas, comprehensions, generators, methods
    '''
import functools
def deco(f):
    @functools.wraps(f)
    def wrapper(*a):
        return f(*a)
    return wrapper
class Stack:
    """Doc."""
    limit = 3
    def __init__(self):
        self.items = []
    @deco
    def push(self, item):
        """Push."""
        if len(self.items) >= self.limit:
            raise OverflowError
        self.items.append(item)
    def total(self):
        key = lambda x: (x
                         if x else 0)
        squares = [key(i) ** 2
                   for i in self.items
                   if i]
        return sum(squares) + sum(x for x in self.items)
def outer(n):
    def inner(k):
        return k + n
    @deco
    def decorated():
        return 1
    vals = {i: inner(i) for i in range(n)}
    return vals, decorated()
def gen(n):
    for i in range(n):
        yield i
        if i:
            yield -i
s = Stack()
for i in range(4):
    try:
        s.push(i)
    except OverflowError:
        pass
s.total(); outer(3); list(gen(3))
''',
    # multi-line statements, parenthesized expressions, statements that emit nothing
    '''
X = 0
def multi(a):
    """Doc."""
    global X
    y: int
    "a note"
    X = (
        a)
    z = max(
        a,
        1)
    (
        print(z, end="")
    )
    w = \\
        z
    if a:
        (
            print(w, end="")
        )
    d = {
        "a": [i for i in range(3)],
        "b": w,
    }
    return (
        d["b"] +
        z)
def empty():
    """Only doc."""
def dots():
    ...
multi(1); multi(0); empty(); dots()
''',
    # headers whose expression starts on a later line than their keyword
    """
import functools
def heads(xs, flag):
    for x in (
            xs):
        if (
                x):
            continue
    for y in \\
            xs:
        pass
    while (
            flag):
        flag = False
    try:
        raise KeyError
    except (
            KeyError):
        pass
    assert (
        xs is not None), "msg"
    if flag:
        pass
    @functools.lru_cache
    def cached():
        return 1
    if xs:
        @functools.lru_cache
        @functools.wraps(cached)
        def other():
            return 2
    return cached() + other()
def one(): return 1
heads([1, 0], True); one()
""",
    # one-line suites
    '''
def inline(x):
    if x: y = 1
    else: y = 2
    while x: x -= 1
    for i in range(2): y += i
    try: y += 1
    except Exception: pass
    return y
inline(2); inline(0)
''',
    # async def, async with, async for, await
    '''
import asyncio
class Res:
    async def __aenter__(self):
        return 1
    async def __aexit__(self, *a):
        return False
async def agen():
    for i in range(2):
        yield i
async def main():
    total = 0
    async with Res() as r:
        total += r
    async for v in agen():
        if v:
            total += v
        await asyncio.sleep(0)
    return total
asyncio.run(main())
''',
    # match / case (3.10+; skipped on 3.9)
    '''
def m(c):
    match c:
        case 1 | 2:
            r = "small"
        case [x, y] if x > y:
            r = "desc"
        case {"k": v}:
            r = v
        case _:
            r = None
    return r
for c in (1, [2, 1], [1, 2], {"k": 3}, 9):
    m(c)
''',
    # module-level control flow
    '''
import sys
total = 0
for i in range(3):
    total += i
if total > 2:
    big = True
else:
    big = False
try:
    import nonexistent_module_xyz
except ImportError:
    missing = True
''',
]


def _with_header_lines(text: str) -> set[int]:
    """Lines of `with` headers: CPython 3.10+ fires them again when __exit__ runs."""
    lines = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            lines.update(range(node.lineno, node.body[0].lineno))
    return lines


def _version_dependent_lines(text: str) -> set[int]:
    """Bare annotations and constant statements inside functions: 3.10+ fires them, 3.9 not."""
    lines = set()
    for fn in ast.walk(ast.parse(text)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if (isinstance(node, ast.AnnAssign) and node.value is None) or (
                        isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                    lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def check_events(text: str, events: list, version: tuple[int, int]) -> list[str]:
    """Replay one snippet's line events through the tracer's rule; return the problems found."""
    seg, spans = segment_with_spans(text)
    assert not seg.errors, seg.errors
    by_start = {f.start_line: f.name for f in seg.functions}
    with_lines = _with_header_lines(text)
    weak_lines = _version_dependent_lines(text)
    problems: list[str] = []
    state: dict[int, tuple] = {}  # frame id -> (current block, previous line)
    for fid, co_name, firstlineno, line in events:
        scope = "<module>" if co_name == "<module>" else by_start.get(firstlineno)
        if scope is None or scope.rsplit(".", 1)[-1] != co_name:
            continue  # lambda, comprehension, generator expression, class body: not a scope
        blocks = [b for b in seg.blocks if b.function == scope]
        leaders = {b.leader_line: b for b in blocks if b.leader_line}
        truth = min((b for b in blocks if b.contains(line)), default=None,
                    key=lambda b: b.end_line - b.start_line)
        cur, prev = state.get(fid, (None, None))
        where = f"py{version[0]}.{version[1]} {scope} line {line}"
        lead = leaders.get(line)
        if lead is not None:
            lo, hi = spans[lead.id]
            if cur is lead and prev is not None and lo <= prev <= hi:
                pass  # a re-fire inside one execution of the leader's statement
            else:
                if cur is lead and lead.kind not in ("loop_body", "for", "while"):
                    problems.append(f"{where}: {lead.id} re-entered without leaving it (prev {prev})")
                cur = lead
        if truth is not None and truth is not cur:
            lo, hi = spans.get(truth.id, (0, 0))
            # A continuation line of the leader's statement may fire before the leader line.
            early = lo <= line <= hi and lo <= truth.leader_line <= hi and truth.leader_line != line
            exit_refire = line in with_lines and version >= (3, 10)
            # Statements that fire only on some versions never lead; nor do blocks with leader 0
            # (a docstring-only body: 3.9 fires the docstring line, 3.10+ the def line).
            unobservable = line in weak_lines or truth.leader_line == 0
            if not (early or exit_refire or unobservable):
                problems.append(f"{where}: belongs to {truth.id} but the tracer is in "
                                f"{cur.id if cur else None}")
        state[fid] = (cur, line)
    return problems


def _interpreters() -> list[str]:
    found = [sys.executable]
    for v in ("3.9.18", "3.10.13", "3.12.1", "3.13.0"):
        p = Path(f"/root/.pyenv/versions/{v}/bin/python")
        if p.exists():
            found.append(str(p))
    return found


@pytest.fixture(scope="module", params=_interpreters())
def traced(request):
    snippets = [textwrap.dedent(s).lstrip("\n") for s in SNIPPETS]
    proc = subprocess.run([request.param, "-c", CHILD], input=json.dumps(snippets), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    return tuple(data["version"]), list(zip(snippets, data["results"]))


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_leaders_fire_on_block_entry(traced, index):
    version, pairs = traced
    text, result = pairs[index]
    if "skip" in result:
        assert version < (3, 10), result["skip"]  # only `match` is allowed not to compile
        pytest.skip(f"needs a newer Python: {result['skip']}")
    assert result["events"], "the snippet produced no events"
    problems = check_events(text, result["events"], version)
    assert problems == []


def test_checker_catches_a_wrong_leader(traced):
    """The replay must be able to fail: move one leader to a line that does not fire first."""
    version, pairs = traced
    text, result = pairs[0]
    import tracefix.segment as seg_mod

    real = seg_mod.segment_with_spans

    def skewed(t):
        seg, spans = real(t)
        b = next(b for b in seg.blocks if b.kind == "elif_body")
        i = seg.blocks.index(b)
        seg.blocks[i] = type(b)(**{**b.__dict__, "leader_line": b.leader_line + 1})
        return seg, spans

    seg_mod_globals = globals()
    seg_mod_globals["segment_with_spans"] = skewed
    try:
        assert check_events(text, result["events"], version)
    finally:
        seg_mod_globals["segment_with_spans"] = real


def test_block_entry_counts_on_this_interpreter(traced):
    """Visit counts follow the loop structure: header once per iteration plus the exit test."""
    version, pairs = traced
    text, result = pairs[1]  # loops([1, -1, 2]) is the first call
    seg, spans = segment_with_spans(text)
    leaders = {b.leader_line: b.id for b in seg.blocks if b.function == "loops"}
    first_call = []
    seen_frames = []
    for fid, co_name, _first, line in result["events"]:
        if co_name != "loops":
            continue
        if not seen_frames:
            seen_frames.append(fid)
        if fid != seen_frames[0]:
            break
        if line in leaders:
            first_call.append(leaders[line])
    counts = {bid: first_call.count(bid) for bid in set(first_call)}
    assert counts["loops:B2"] == 4  # `for x in xs` with 3 items: 3 iterations + exhaustion
    assert counts["loops:B3"] == 3  # loop body
    assert counts["loops:B4"] == 1  # `continue` for -1
    assert counts["loops:B7"] == 2  # after the tests: for 1 and 2
    assert "loops:B6" not in counts  # `break` never runs for [1, -1, 2]
    assert counts["loops:B8"] == 1  # for-else
