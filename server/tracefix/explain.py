"""Explanations a person reads in five seconds, written only from the trace (issue 16).

A fix's explanation is at most two sentences: the failing input, the first traced value or
decision that goes wrong at the edited line (the branch taken, where a loop stops, the value
written or returned), what that led to, what the test expected — then what the edit changes and
what the re-run showed. The top suspect's "why this block" is the first sentence alone, about
the block's own line. Both use the user's names and traced values and nothing else: every quote
is checked (``tracefix.faithful``) against the failing test's trace and the document. Ranks,
scores and spectrum counts are evidence for the curious; they go to ``details``.
"""
from __future__ import annotations

import ast
import difflib
import os
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tracefix.faithful import Evidence, unsupported
from tracefix.localize import Failure, short
from tracefix.model import Report, ScoredBlock, Segmentation, TestResult, Validation, Visit, is_test_code

if TYPE_CHECKING:  # the repair package imports this module; avoid the cycle at run time
    from tracefix.repair.candidate import Candidate

__all__ = ["explain", "finish", "for_people", "restate_rank", "unsupported", "MAX_WORDS"]

MAX_WORDS = 45
VALUE_CHARS = 30  # a quoted value longer than this is shortened (its beginning stays checkable)
CODE_CHARS = 40


# --- the long evidence (``details``) ------------------------------------------------------------

def snippet(text: str, limit: int = 60) -> str:
    return short(" ".join(text.split()), limit)


def failure_sentence(f: Failure) -> str:
    t = f.test
    if f.expected is not None and f.actual is not None:
        return f"{t.id} expected {short(f.expected)} but got {short(f.actual)}."
    exc = t.exception or {}
    if exc.get("type") and exc.get("type") != "AssertionError":
        where = f" at line {exc['line']}" if exc.get("line") else ""
        msg = short((exc.get("message") or "").splitlines()[0] if exc.get("message") else "", 50)
        return f"{t.id} raised {exc['type']}{': ' + msg if msg else ''}{where}."
    if t.message:
        return f"{t.id} failed: {short(t.message.splitlines()[0], 60)}."
    return f"{t.id} {t.outcome}."


def edit_sentence(c: Candidate) -> str:
    if c.parts:  # two edits found in two rounds
        first, *rest = [edit_sentence(p).rstrip(".") for p in c.parts]
        return first + "".join(", then " + r.removeprefix("The edit ") for r in rest) + "."
    if c.old and c.new:
        return f"The edit changes `{snippet(c.old, 50)}` to `{snippet(c.new, 50)}` on line {c.line}."
    if c.new:
        return f"The edit inserts `{snippet(c.new, 60)}` before line {c.line}."
    return f"The edit removes `{snippet(c.old, 50)}` on line {c.line}."


def rerun_sentence(v: Validation, failing_before: int) -> str:
    fixed = len(v.fixed)
    if v.passed == v.total:
        return (f"Re-running the tests with the edit: {fixed} failing test{'s' if fixed != 1 else ''} now "
                f"pass{'es' if fixed == 1 else ''} and all {v.total} tests pass.")
    return (f"Re-running the tests with the edit: it fixes {fixed} of {failing_before} failing tests "
            f"({', '.join(v.fixed[:3])}{'…' if fixed > 3 else ''}), breaks none, and {v.passed} of {v.total} pass.")


def explain(c: Candidate, v: Validation, failures: list[Failure], blocks: list[ScoredBlock]) -> str:
    """The long account of a template fix (rank, score, prediction, re-run): ``details`` once ``finish`` ran."""
    parts = []
    fixed = [f for f in failures if f.test.id in v.fixed] or failures
    if fixed:
        parts.append(failure_sentence(fixed[0]))
    # The rank said is the block's place in ``blocks`` as the report shows them, after repair re-ranked them.
    rank = next((i for i, b in enumerate(blocks) if b.block.id == c.block), None)
    if rank is not None:
        sb = blocks[rank]
        b = sb.block
        lines = f"line {b.start_line}" if b.start_line == b.end_line else f"lines {b.start_line}-{b.end_line}"
        why = sb.explanation[:1].lower() + sb.explanation[1:]
        parts.append(f"Block {b.id} ({lines}) is suspect #{rank + 1} "
                     f"(suspiciousness {sb.suspiciousness:.2f}): {why}")
    parts.append(edit_sentence(c))
    if c.evidence:
        parts.append(c.evidence[:1].upper() + c.evidence[1:] + ".")
    parts.append(rerun_sentence(v, len(failures)))
    return " ".join(p if p.endswith((".", "…")) else p + "." for p in parts)


def restate_rank(explanation: str, top: ScoredBlock) -> str:
    """``explanation`` with its sentence about the fixed block's rank saying it is now the top suspect."""
    pattern = rf"Block {re.escape(top.block.id)} (\([^)]*\)) is suspect #\d+ \(suspiciousness [0-9.]+\)"
    return re.sub(pattern, lambda m: f"Block {top.block.id} {m.group(1)} is suspect #1 "
                                     f"(suspiciousness {top.suspiciousness:.2f})", explanation, count=1)


# --- what the trace says about one line ---------------------------------------------------------

@dataclass
class Scene:
    """One failing test at one line: the call it happened in and what the line did there."""

    failure: Failure
    line: int
    function: str
    inputs: dict[str, str]  # the call's arguments, parameter → repr
    visits: list[Visit]  # the line's block in that call, in order (empty: the line never ran)
    env: dict[str, str]  # values at the line on the last of those visits


def scene(seg: Segmentation, traces: dict, failure: Failure, line: int, lines: list[str]) -> Scene | None:
    block = seg.block_at(line)
    if block is None or block.function == "<module>":
        return None
    trace = traces.get(failure.test.id, [])
    own = {b.id for b in seg.blocks if b.function == block.function}
    here = [(i, v) for i, (bid, v) in enumerate(trace) if bid == block.id]
    key = None
    if failure.producer and failure.producer[1] in own:  # the call that returned the wrong value
        idx, _, pv = failure.producer
        if any(i <= idx and (v.call, v.depth) == (pv.call, pv.depth) for i, v in here):
            key = (pv.call, pv.depth)
    if key is None and here:
        key = (here[-1][1].call, here[-1][1].depth)
    calls = [v for bid, v in trace if bid in own and (key is None or (v.call, v.depth) == key)]
    if not calls:
        return None
    visits = [v for _, v in here if (v.call, v.depth) == (calls[0].call, calls[0].depth)]
    fn = next((f for f in seg.functions if f.name == block.function), None)
    params = [p for p in (fn.params if fn else ()) if p not in ("self", "cls")]
    inputs = {p: calls[0].before[p] for p in params if p in calls[0].before}
    env: dict[str, str] = {}
    if visits:
        env = values_at(block, line, visits[-1], lines)
    return Scene(failure, line, block.function, inputs, visits, env)


def values_at(block, line: int, visit: Visit, lines: list[str]) -> dict[str, str]:
    """Values as ``line`` starts: a block is straight-line code, so a name written on an earlier line
    of it holds its ``after`` value and every other name its ``before`` value."""
    env = dict(visit.before)
    for n in range(block.start_line, min(line, len(lines) + 1)):
        _, stmt = statement(lines[n - 1])
        for name in written(stmt):
            if name in visit.after:
                env[name] = visit.after[name]
    return env


def written(stmt: ast.stmt | None) -> set[str]:
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For)):
        targets = [stmt.target]
    else:
        return set()
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def statement(line_text: str) -> tuple[str, ast.stmt | None]:
    """A line as a statement on its own: ``elif c:`` → ``if c: pass`` (None when it does not parse alone)."""
    src = line_text.strip()
    if src.startswith("elif "):
        src = src[2:]
    if src.endswith(":"):
        src += " pass"
    try:
        body = ast.parse(src).body
    except (SyntaxError, ValueError, RecursionError):  # null bytes, absurd nesting: not a statement here
        return src, None
    return src, body[0] if len(body) == 1 else None


def _segment(src: str, node: ast.AST | None) -> str:
    return (ast.get_source_segment(src, node) or "") if node is not None else ""


def focus(old_line: str, new_line: str) -> tuple[str, str]:
    """The smallest expression of the old line that holds everything the edit changed, and the same
    span of the new line (so `i+1` → `i`, never `i+1` → `lst[i]`)."""
    a, old = statement(old_line)
    b, new = statement(new_line)
    p = len(os.path.commonprefix([a, b]))
    s = len(os.path.commonprefix([a[p:][::-1], b[p:][::-1]]))
    delta = len(b) - len(a)
    span = _smallest(a, old, p, len(a) - s)
    if span is not None:
        return a[span[0]:span[1]], b[span[0]:span[1] + delta]
    span = _smallest(b, new, p, len(b) - s)
    if span is not None:
        return a[span[0]:span[1] - delta], b[span[0]:span[1]]
    return a.removesuffix(" pass"), b.removesuffix(" pass")


def _smallest(src: str, tree: ast.AST | None, lo: int, hi: int) -> tuple[int, int] | None:
    """Character span of the smallest expression covering ``src[lo:hi]`` (None when the line does not parse)."""
    if tree is None:
        return None
    raw = src.encode()
    lo_b, hi_b = len(src[:lo].encode()), len(src[:hi].encode())  # ast columns count UTF-8 bytes
    parent: dict[ast.AST, ast.AST] = {}
    best = None
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[child] = node
        if isinstance(node, ast.expr) and node.end_col_offset is not None \
                and node.col_offset <= lo_b and hi_b <= node.end_col_offset \
                and (best is None or node.end_col_offset - node.col_offset < best.end_col_offset - best.col_offset):
            best = node
    # A lone name or number says little (`1` → `0`); its expression says what changed (`i + 1` → `i`).
    while best is not None and isinstance(best, (ast.Name, ast.Constant, ast.Attribute)) \
            and isinstance(parent.get(best), ast.expr) and len(_segment(src, parent[best])) <= CODE_CHARS:
        best = parent[best]
    if best is None:
        return None
    if isinstance(best, (ast.Name, ast.Constant, ast.Attribute)) and len(src) <= CODE_CHARS \
            and not isinstance(parent.get(best), (ast.expr, ast.If, ast.While, ast.For)):
        return 0, len(src.removesuffix(" pass"))  # `n += 2` → `n += 1` says more than `2` → `1`
    chars = lambda b: len(raw[:b].decode(errors="ignore"))  # noqa: E731 - byte column → character
    return chars(best.col_offset), chars(best.end_col_offset)


def _val(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS - 1] + "…"


def _code(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CODE_CHARS else text[:CODE_CHARS - 1] + "…"


def _name(function: str) -> str:
    return function.split(".")[-1]


def _eval(node: ast.AST | None, env: dict[str, str]):
    from tracefix.repair.evaluate import Unknown, env_from, evaluate

    if node is None:
        raise LookupError
    try:
        return evaluate(node, env_from(env))
    except Unknown:
        raise LookupError from None


def _first_name(node: ast.AST) -> str | None:
    return next((n.id for n in ast.walk(node) if isinstance(n, ast.Name)), None)


def decision(sc: Scene, src: str, stmt: ast.stmt | None, shown: str) -> tuple[str, str]:
    """(kind, phrase): what the line did in the failing call — a raise, a branch, a loop's end, a value."""
    exc = sc.failure.test.exception or {}
    raised = next((v.raised for v in reversed(sc.visits) if v.raised), None)
    if raised and exc.get("line") == sc.line:
        return "raise", f"`{_code(shown)}` raises `{_val(raised)}`"
    if stmt is None or not sc.visits:
        return "", ""
    if isinstance(stmt, ast.If):
        try:
            value = _eval(stmt.test, sc.env)
        except LookupError:
            return "", ""
        return "branch", f"`{_code(_segment(src, stmt.test))}` is {'true' if value else 'false'}"
    if isinstance(stmt, (ast.For, ast.While)):
        n = _first_name(stmt.target if isinstance(stmt, ast.For) else stmt.test)
        what = f"the loop over `{_code(_segment(src, stmt.iter))}`" if isinstance(stmt, ast.For) \
            else f"the loop `while {_code(_segment(src, stmt.test))}`"
        last = {**sc.visits[-1].before, **sc.visits[-1].after}
        if n and n in last:
            return "loop", f"{what} stops at `{n} = {_val(last[n])}`"
        if isinstance(stmt, ast.For) and n and not any(n in v.after for v in sc.visits):
            return "loop", f"{what} never runs"
        return "", ""
    if isinstance(stmt, ast.Return) and isinstance(stmt.value, (ast.Constant, ast.Name, type(None))):
        # `return False` computes nothing: what matters is that the call got there.
        return "reach", f"`{_name(sc.function)}` reaches `{_code(src)}`"
    if isinstance(stmt, ast.Return):
        got = next((v.returned for v in reversed(sc.visits) if v.returned is not None), None)
        return ("return", f"`{_code(_segment(src, stmt.value))}` gives `{_val(got)}`") \
            if got is not None and stmt.value is not None else ("", "")
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        left = {**sc.visits[-1].before, **sc.visits[-1].after}  # what the block wrote, as it ended
        if isinstance(target, ast.Name) and target.id in left \
                and src != f"{target.id} = {left[target.id]}":  # `output = []` leaves `output = []`: say nothing
            lead = f"`{src}`" if len(src) <= CODE_CHARS else f"line {sc.line}"
            return "write", f"{lead} leaves `{target.id} = {_val(left[target.id])}`"
    return "", ""


def consequence(sc: Scene, kind: str) -> str:
    f = sc.failure
    if f.actual is not None:
        if kind in ("return", "reach") and f.producer and sc.visits and f.producer[2] is sc.visits[-1]:
            return ""  # the line itself returned the wrong value
        if kind in ("return", "reach") and sc.visits and sc.visits[-1].returned is not None:
            return ""  # this call returned something else: the wrong result came from another call
        who = _name(f.producer[1].rsplit(":", 1)[0]) if f.producer else ""  # ids are "function:Bn"
        return f"`{who}` returns `{_val(f.actual)}`" if who else f"the result is `{_val(f.actual)}`"
    exc = f.test.exception or {}
    if exc.get("type") and exc.get("type") != "AssertionError":
        return "" if kind == "raise" else f"`{_name(sc.function)}` raises `{exc['type']}`"
    return "the test fails"


def expectation(f: Failure) -> str:
    return f"the test expects `{_val(f.expected)}`" if f.expected is not None else ""


def lead_in(sc: Scene, limit: int = 2) -> str:
    shown = [f"`{p} = {_val(v)}`" for p, v in sc.inputs.items()][:limit]
    if shown:
        return "For " + " and ".join(shown)
    return f"In `{sc.failure.test.id.rsplit('::', 1)[-1]}`"


def cause(sc: Scene, src: str, stmt: ast.stmt | None, shown: str, limit: int = 2,
          expect: bool = True) -> tuple[str, str]:
    """(kind, sentence): the failing input, what the line did, what it led to, what the test expected."""
    kind, did = decision(sc, src, stmt, shown)
    then = consequence(sc, kind)
    body = f"{did}, so {then}" if did and then else did or then
    want = expectation(sc.failure) if expect else ""
    if not body:
        return kind, ""
    return kind, f"{lead_in(sc, limit)}, {body}" + (f"; {want}" if want else "") + "."


def words(text: str) -> int:
    return len(text.split())


def _fits(text: str, evidence: Evidence) -> bool:
    return bool(text) and words(text) <= MAX_WORDS and not unsupported(text, evidence)


# --- a fix -------------------------------------------------------------------------------------

@dataclass
class Change:
    """The first line an edit changes, and how many other places it changes."""

    line: int  # 1-based, in the document before the edit
    old: str  # the whole old line ("" for an insertion)
    new: str  # the whole new line ("" for a removal)
    more: int  # further changed places


def change_of(text: str, new_text: str) -> Change | None:
    a, b = text.splitlines(), new_text.splitlines()
    groups = [op for op in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not groups:
        return None
    _, i1, i2, j1, j2 = groups[0]
    old = a[i1] if i1 < i2 else ""
    new = next((line for line in b[j1:j2] if line.strip()), "") if j1 < j2 else ""
    return Change(line=i1 + 1, old=old, new=new, more=len(groups) - 1)


@dataclass
class Rerun:
    """What the re-run showed, as the subject of "… pass(es)"."""

    subject: str  # "all 3 tests", "the test", "2 of 3 failing tests"
    plural: bool = True
    tail: str = ""  # " without breaking any" when not every test passes

    def __str__(self) -> str:  # "all 3 tests pass", "the test passes"
        return f"{self.subject} pass{'' if self.plural else 'es'}{self.tail}"


def rerun_clause(v: Validation, failing: int) -> Rerun:
    if v.passed == v.total:
        return Rerun(f"all {v.total} tests") if v.total != 1 else Rerun("the test", plural=False)
    return Rerun(f"{len(v.fixed)} of {failing} failing tests", tail=" without breaking any")


def fix_sentence(clause: str, fx: str, rerun: Rerun) -> str:
    """``Changing `a` to `b` makes it true, and all 3 tests pass.`` or ``… makes all 3 tests pass.``"""
    return f"{clause}{fx}, and {rerun}." if fx else f"{clause} makes {rerun.subject} pass{rerun.tail}."


def edit_clause(ch: Change) -> tuple[str, str, str]:
    """(clause, old expression, new expression) naming the change in the user's code."""
    more = f" (and {ch.more} more edit{'s' * (ch.more != 1)})" if ch.more else ""
    old, new = ch.old.strip(), ch.new.strip()
    if old and new and old != new and (new.endswith(old) or new.startswith(old)):  # `return` added
        added = new[:len(new) - len(old)] if new.endswith(old) else new[len(old):]
        return f"Adding `{_code(added.strip())}` on line {ch.line}{more}", old, new
    if old and new:
        old, new = focus(ch.old, ch.new)
        return f"Changing `{_code(old)}` to `{_code(new)}`{more}", old, new
    if ch.new.strip():
        return f"Adding `{_code(ch.new.strip())}`{more}", "", ch.new.strip()
    return f"Removing `{_code(ch.old.strip())}`{more}", ch.old.strip(), ""


def effect(sc: Scene | None, ch: Change, kind: str) -> str:
    """What the edit does to the traced decision: the branch flips, the return value becomes the expected one."""
    if sc is None or not ch.old.strip() or not ch.new.strip():
        return ""
    _, old = statement(ch.old)
    _, new = statement(ch.new)
    from tracefix.repair.evaluate import Unknown, literal

    try:
        if kind == "branch" and isinstance(old, ast.If) and isinstance(new, ast.If):
            before, after = bool(_eval(old.test, sc.env)), bool(_eval(new.test, sc.env))
            return f" makes it {'true' if after else 'false'}" if before != after else ""
        if isinstance(new, ast.Return) and not isinstance(new.value, ast.Constant) \
                and sc.failure.expected is not None and sc.visits:
            env = {**sc.visits[-1].before, **sc.visits[-1].after}
            got, want = _eval(new.value, env), literal(sc.failure.expected)
            return f" gives `{_val(sc.failure.expected)}`" if got == want and type(got) is type(want) else ""
    except (LookupError, Unknown):
        return ""
    return ""


def fix_explanation(text: str, new_text: str, seg: Segmentation, traces: dict, failures: list[Failure],
                    v: Validation, evidence: Evidence) -> str:
    """At most two sentences: why the failing test fails, in its values, and what the edit changes."""
    ch = change_of(text, new_text)
    if ch is None:
        return ""
    fixed = [f for f in failures if f.test.id in v.fixed] or failures
    lines = text.splitlines()
    line = min(ch.line, len(lines)) if ch.old.strip() else _executed_line(seg, lines, ch.line)
    sc = next((s for s in (scene(seg, traces, f, line, lines) for f in fixed) if s is not None), None)
    clause, old, _ = edit_clause(ch)
    rerun = rerun_clause(v, len(failures))
    src, stmt = statement(lines[line - 1]) if 0 < line <= len(lines) else ("", None)
    tries = []
    if sc is not None:
        kind, why = cause(sc, src, stmt, old or src.removesuffix(" pass"))
        fx = effect(sc, ch, kind)
        tries += [f"{why} {fix_sentence(clause, fx, rerun)}", f"{why} {fix_sentence(clause, '', rerun)}"]
        for limit, expect in ((1, True), (1, False)):
            tries.append(f"{cause(sc, src, stmt, old, limit, expect)[1]} {fix_sentence(clause, '', rerun)}")
    tries.append(fix_sentence(clause, "", rerun))
    return next((t for t in tries if not t.startswith(" ") and _fits(t, evidence)), tries[-1])


def _executed_line(seg: Segmentation, lines: list[str], line: int) -> int:
    """For an insertion: the line it goes before, or the one above when that is outside any block."""
    for n in (line, line - 1, line + 1):
        if 0 < n <= len(lines) and lines[n - 1].strip() and seg.block_at(n) is not None:
            return n
    return line


# --- a block (the "why this block" sentence) -----------------------------------------------------

def key_line(block, lines: list[str], failure: Failure) -> int:
    """The line of a block whose traced effect says most: where it raised, returned, branched, looped, wrote."""
    exc_line = (failure.test.exception or {}).get("line")
    if isinstance(exc_line, int) and block.contains(exc_line):
        return exc_line
    best, rank = block.start_line, 9
    order = {ast.Return: 0, ast.If: 1, ast.While: 1, ast.For: 1, ast.Assign: 2, ast.AugAssign: 2, ast.AnnAssign: 2}
    for n in range(block.start_line, min(block.end_line, len(lines)) + 1):
        _, stmt = statement(lines[n - 1])
        r = order.get(type(stmt), 9)
        if r < rank or (r == rank == 2):  # the last write is the one that stays
            best, rank = n, r
    return best


def block_explanation(sb: ScoredBlock, seg: Segmentation, traces: dict, spectra: dict, failures: list[Failure],
                      lines: list[str], evidence_of) -> str:
    b = sb.block
    if is_test_code(b.function):
        return "This is test code; the bug is more likely in the code it calls."
    ran = [f for f in failures if b.id in spectra.get(f.test.id, ())]
    if not ran:
        return "Only passing tests run this block." if failures else ""
    # A failure whose wrong value this block's function returned explains best.
    ran.sort(key=lambda f: (f.actual is None, not (f.producer and f.producer[1].startswith(b.function + ":"))))
    for f in ran:
        line = key_line(b, lines, f)
        sc = scene(seg, traces, f, line, lines)
        if sc is None:
            continue
        src, stmt = statement(lines[line - 1])
        for limit, expect in ((2, True), (1, True), (1, False)):
            _, text = cause(sc, src, stmt, src.removesuffix(" pass"), limit, expect)
            if _fits(text, evidence_of(f)):
                return text
    return "Failing tests run this block, but no traced value points at it."


# --- the report ----------------------------------------------------------------------------------

class _Facts:
    """What every explanation of one report reads: failures, traces, and the evidence per test."""

    def __init__(self, report: Report, text: str):
        from tracefix.localize import failures

        self.report, self.text = report, text
        self.seg, self.run = report.segmentation, report.run
        self.lines = text.splitlines()
        self.failures = failures(self.seg, self.run, text) if self.seg and self.run else []
        self._values: dict[str, list[str]] = {}

    def values(self, tests: list[TestResult]) -> list[str]:
        out: list[str] = []
        for t in tests:
            if t.id not in self._values:
                vals = {t.id, t.message or "", *(t.comparison or {}).values(),
                        *(str(x) for x in (t.exception or {}).values())}
                for _, v in self.run.traces.get(t.id, []) if self.run else []:
                    vals.update(v.before.values())
                    vals.update(v.after.values())
                    vals.update(x for x in (v.returned, v.raised) if x is not None)
                self._values[t.id] = sorted(x for x in vals if x)
            out += self._values[t.id]
        return out

    def evidence(self, tests: list[TestResult], new_text: str = "") -> Evidence:
        return Evidence(self.values(tests), [self.text, new_text])


def describe_blocks(facts: _Facts, blocks: list[ScoredBlock]) -> list[ScoredBlock]:
    """Each block with its short sentence; the engine's long rationale kept as ``details``."""
    if facts.seg is None or facts.run is None:
        return blocks
    out = []
    for sb in blocks:
        if sb.details:  # already described
            out.append(sb)
            continue
        short_text = block_explanation(sb, facts.seg, facts.run.traces, facts.run.spectra, facts.failures,
                                       facts.lines, lambda f: facts.evidence([f.test]))
        out.append(replace(sb, explanation=short_text or sb.explanation, details=sb.explanation))
    return out


def for_people(report: Report, text: str) -> Report:
    """A copy of ``report`` whose blocks carry their short sentences (for the early, pre-repair publish)."""
    return replace(report, blocks=describe_blocks(_Facts(report, text), list(report.blocks)))


def finish(report: Report, text: str) -> None:
    """Every suggestion and block gets its short explanation; the long evidence moves to ``details``."""
    facts = _Facts(report, text)
    if facts.seg is None or facts.run is None or not facts.failures:
        return
    for s in report.suggestions:
        if s.validation is not None and not s.details:
            _explain_fix(facts, s)
    report.blocks = describe_blocks(facts, report.blocks)


def _explain_fix(facts: _Facts, s) -> None:
    v = s.validation
    tests = [f.test for f in facts.failures if f.test.id in v.fixed] or [f.test for f in facts.failures]
    evidence = facts.evidence(tests, s.new_text)
    details = s.explanation
    if s.origin == "llm":
        prose = re.split(r"\s*Re-running the tests with this change", s.explanation, maxsplit=1)[0].strip()
        bad = unsupported(prose, evidence)
        s.features["llm_prose"] = "dropped" if bad else "kept"
        if bad:  # the model said something the run does not show: keep it out of every surface
            s.features["llm_unsupported"] = bad[:5]
            details = f"Re-running the tests with this change: {v.passed} of {v.total} tests pass."
    try:
        short_text = fix_explanation(facts.text, s.new_text, facts.seg, facts.run.traces, facts.failures, v, evidence)
    except Exception:  # noqa: BLE001 - a sentence must never cost the user a validated fix
        short_text = ""
    s.explanation = short_text or f"With the edit, {rerun_clause(v, len(facts.failures))}."
    s.details = details
    s.features["explanation_source"] = "trace" if short_text else "rerun-only"
