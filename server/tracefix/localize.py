"""Rank the blocks of a document by how likely they hold the bug (DESIGN.md §1 step 4).

Three kinds of evidence are combined:
  (a) spectrum: Ochiai over which blocks passing and failing tests executed;
  (b) the exception site, or the block that produced the wrong value a failing assertion compared;
  (c) data flow back from that value through the trace: blocks of the same call that wrote the
      variables it was computed from, and the blocks on the path that chose that branch.
Spectra alone cannot tell a wrong branch from the block that merely ran after it, and the trace
alone over-trusts one test; the weighted sum keeps both honest. Every block also gets one
sentence explaining its score in terms of values a person can check.
"""
from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field

from tracefix.discover import parse_source as parse
from tracefix.model import Block, RunResult, ScoredBlock, Segmentation, TestResult, Visit, is_test_code
W_SPECTRUM, W_EVIDENCE = 0.45, 0.55
TEST_CODE_FACTOR = 0.15  # the test's own code is rarely what the user wants fixed


@dataclass
class Failure:
    """What one failing test tells us, read from its result and trace."""

    test: TestResult
    expected: str | None = None  # repr the assertion wanted
    actual: str | None = None  # repr it got
    producer: tuple[int, str, Visit] | None = None  # (index in trace, block, visit) that returned `actual`
    site: str | None = None  # block where an exception escaped
    # block id → (evidence strength, sentence)
    evidence: dict[str, tuple[float, str]] = field(default_factory=dict)

    def note(self, block: str, strength: float, why: str) -> None:
        if block not in self.evidence or self.evidence[block][0] < strength:
            self.evidence[block] = (strength, why)


def ochiai(ef: int, ep: int, total_failed: int) -> float:
    if ef == 0 or total_failed == 0:
        return 0.0
    return ef / math.sqrt(total_failed * (ef + ep))


def short(value: str | None, limit: int = 40) -> str:
    if value is None:
        return "?"
    return value if len(value) <= limit else value[: limit - 1] + "…"


def split_comparison(result: TestResult, trace: list[tuple[str, Visit]]) -> tuple[str | None, str | None]:
    """(expected, actual) reprs of a failing comparison; the actual side is the one the code returned."""
    cmp = result.comparison
    if not cmp and result.id.startswith("doctest:"):
        m = re.match(r"expected (.*), got (.*)$", result.message or "", re.S)
        if m:
            return m.group(1), m.group(2)
    if not cmp or cmp.get("op") not in ("==", "is", "!=", "is not", None):
        return None, None
    left, right = cmp.get("left"), cmp.get("right")
    returned = {v.returned for _, v in trace if v.returned is not None}
    if right in returned and left not in returned:
        return left, right
    return right, left  # pytest convention: assert actual == expected


def analyse_failure(result: TestResult, run: RunResult, seg: Segmentation, tree: ast.AST | None) -> Failure:
    trace = run.traces.get(result.id, [])
    failure = Failure(test=result)
    blocks = {b.id: b for b in seg.blocks}
    exc = result.exception or {}
    exc_block = exc.get("block")
    if not exc_block and exc.get("line"):
        b = seg.block_at(int(exc["line"]))
        exc_block = b.id if b else None
    if exc_block in blocks and not is_test_code(blocks[exc_block].function) \
            and exc.get("type") != "AssertionError":
        failure.site = exc_block
        env = _values_at(trace, exc_block)
        failure.note(exc_block, 1.0, f"Raised `{exc.get('type')}: {short(exc.get('message'), 50)}` in "
                                     f"{result.id}{_with(env, _names_in(tree, blocks[exc_block]))}")
        idx = max((i for i, (b, _) in enumerate(trace) if b == exc_block), default=None)
        if idx is not None:
            _flow_back(failure, trace, idx, blocks, tree, set(_names_in(tree, blocks[exc_block])), "the exception")
    failure.expected, failure.actual = split_comparison(result, trace)
    if failure.actual is not None:
        idx = max((i for i, (b, v) in enumerate(trace)
                   if v.returned == failure.actual and b in blocks and not is_test_code(blocks[b].function)),
                  default=None)
        if idx is not None:
            bid, visit = trace[idx]
            failure.producer = (idx, bid, visit)
            # `return total` only hands back a value made elsewhere; `return a / b` computes it here.
            strength = 0.9 if _computes_return(tree, blocks[bid]) else 0.65
            failure.note(bid, strength, f"Returned {short(failure.actual)} in {result.id}, where the test "
                                   f"expected {short(failure.expected)}")
            names = _returned_names(tree, blocks[bid])
            _flow_back(failure, trace, idx, blocks, tree, names,
                       f"the wrong result {short(failure.actual)} (expected {short(failure.expected)})")
    return failure


def _flow_back(failure: Failure, trace: list[tuple[str, Visit]], idx: int, blocks: dict[str, Block],
               tree: ast.AST | None, names: set[str], what: str) -> None:
    """Walk back through the same call: writers of the tracked names, then the path that led here."""
    _, end = trace[idx]
    func = blocks[trace[idx][0]].function
    tracked = set(names)
    decay = 1.0
    # A visit is recorded when its block is entered, so helpers the producing block itself called
    # appear right after it, one level deeper.
    for j in range(idx + 1, len(trace)):
        bid, visit = trace[j]
        if visit.depth <= end.depth:
            break
        if bid in blocks and visit.depth == end.depth + 1 and visit.returned not in (None, "None") \
                and not is_test_code(blocks[bid].function):
            failure.note(bid, 0.75 if _computes_return(tree, blocks[bid]) else 0.5,
                         f"Returned {short(visit.returned)} from {blocks[bid].function} in "
                                    f"{failure.test.id}, a value that flows into {what}")
    for j in range(idx - 1, -1, -1):
        bid, visit = trace[j]
        if bid not in blocks or visit.depth < end.depth:
            break  # left the call that produced the value
        if visit.depth == end.depth + 1 and visit.returned not in (None, "None") \
                and not is_test_code(blocks[bid].function):
            # A helper's return value is part of what this call computed.
            failure.note(bid, (0.75 if _computes_return(tree, blocks[bid]) else 0.5) * decay,
                         f"Returned {short(visit.returned)} from {blocks[bid].function} in "
                                            f"{failure.test.id}, a value that flows into {what}")
            continue
        if blocks[bid].function != func or visit.call != end.call or visit.depth != end.depth:
            continue
        changed = [n for n in tracked if visit.after.get(n) is not None and visit.before.get(n) != visit.after.get(n)]
        if changed:
            n = sorted(changed)[0]
            failure.note(bid, 0.8 * decay, f"Set `{n}` to {short(visit.after.get(n))} in {failure.test.id}, "
                                           f"a value that flows into {what}")
            tracked |= _reads_of(tree, blocks[bid], set(changed))
            decay *= 0.9
        else:
            env = {k: visit.after.get(k, v) for k, v in visit.before.items()}
            failure.note(bid, 0.55 * decay, f"Ran in {failure.test.id}"
                                            f"{_with(env, _names_in(tree, blocks[bid]))} on the way to {what}")
        decay *= 0.97


def _with(env: dict[str, str], names: list[str]) -> str:
    shown = [f"{n} = {short(env[n], 25)}" for n in names if n in env][:3]
    return " with " + ", ".join(shown) if shown else ""


def _values_at(trace: list[tuple[str, Visit]], block: str) -> dict[str, str]:
    for bid, visit in reversed(trace):
        if bid == block:
            return {**visit.before, **visit.after}
    return {}


def owners(tree: ast.AST) -> dict[ast.AST, str]:
    """Each statement → qualified name of the function holding it (segment's naming: "Cls.meth", "f.inner")."""
    cached = getattr(tree, "_tracefix_owners", None)
    if cached is not None:
        return cached
    out: dict[ast.AST, str] = {}

    def visit(node: ast.AST, qual: str, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                out[child] = qual if in_func else "<module>"
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{qual}.{child.name}" if qual else child.name, True)
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{qual}.{child.name}" if qual else child.name, in_func)
            else:
                visit(child, qual, in_func)

    visit(tree, "", False)
    tree._tracefix_owners = out  # type: ignore[attr-defined]
    return out


def _stmts_in(tree: ast.AST | None, block: Block) -> list[ast.AST]:
    if tree is None:
        return []
    own = owners(tree)
    return [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and block.start_line <= n.lineno <= block.end_line
            and own.get(n) == block.function]


def _names_in(tree: ast.AST | None, block: Block) -> list[str]:
    seen: list[str] = []
    for stmt in _stmts_in(tree, block):
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and n.id not in seen and block.start_line <= n.lineno <= block.end_line:
                seen.append(n.id)
    return seen


def _returned_names(tree: ast.AST | None, block: Block) -> set[str]:
    out: set[str] = set()
    for stmt in _stmts_in(tree, block):
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            out |= {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
    return out


def _computes_return(tree: ast.AST | None, block: Block) -> bool:
    for stmt in _stmts_in(tree, block):
        if isinstance(stmt, ast.Return):
            return stmt.value is not None and not isinstance(stmt.value, (ast.Name, ast.Constant))
    return True


def _reads_of(tree: ast.AST | None, block: Block, targets: set[str]) -> set[str]:
    """Names read by the statements of ``block`` that assign one of ``targets``."""
    out: set[str] = set()
    for stmt in _stmts_in(tree, block):
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            tgts = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            written = {n.id for t in tgts for n in ast.walk(t) if isinstance(n, ast.Name)}
            if written & targets and stmt.value is not None:
                out |= {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        elif isinstance(stmt, ast.For):
            written = {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
            if written & targets:
                out |= {n.id for n in ast.walk(stmt.iter) if isinstance(n, ast.Name)}
    return out


def localize(seg: Segmentation, run: RunResult, text: str) -> list[ScoredBlock]:
    """Blocks ranked by suspiciousness in [0, 1], most suspicious first, each with a rationale."""
    tree = parse(text)
    failing = [t for t in run.tests if t.failing]
    passing = [t for t in run.tests if t.outcome == "passed"]
    failures = [analyse_failure(t, run, seg, tree) for t in failing]
    scored = []
    for block in seg.blocks:
        ef = sum(1 for t in failing if block.id in run.spectra.get(t.id, ()))
        ep = sum(1 for t in passing if block.id in run.spectra.get(t.id, ()))
        spectrum = ochiai(ef, ep, len(failing))
        best, why = 0.0, ""
        hits = [f.evidence[block.id] for f in failures if block.id in f.evidence]
        if hits:
            best, why = max(hits, key=lambda h: h[0])
            best = min(1.0, best + 0.05 * (len(hits) - 1))  # agreement across failing tests
        score = W_SPECTRUM * spectrum + W_EVIDENCE * best
        if is_test_code(block.function):
            score *= TEST_CODE_FACTOR
        counts = f"run by {ef} of {len(failing)} failing and {ep} of {len(passing)} passing tests"
        if is_test_code(block.function):
            sentence = f"This is test code ({counts}); the bug is more likely in the code it calls."
        elif why:
            sentence = why + f"; {counts}."
        elif ef:
            sentence = f"No traced value points here, but it was {counts}."
        else:
            sentence = f"Only passing tests run this block ({counts})."
        verdict = "correct" if ef == 0 and failing else "unknown"
        scored.append(ScoredBlock(block=block, suspiciousness=round(min(1.0, score), 4), verdict=verdict,
                                  explanation=sentence))
    scored.sort(key=lambda s: (-s.suspiciousness, s.block.start_line))
    if scored and scored[0].suspiciousness >= 0.5:
        scored[0].verdict = "incorrect"
    return scored


def failures(seg: Segmentation, run: RunResult, text: str) -> list[Failure]:
    """The per-test failure facts the repair and explanation stages reuse."""
    tree = parse(text)
    return [analyse_failure(t, run, seg, tree) for t in run.tests if t.failing]


# ----------------------------------------------------------------------------------------------
# After repair: what the candidate runs showed (mutation-based localization, Metallaxis/MUSE style).

W_MUTATION = 0.5  # weight of the mutation evidence once a block has enough mutants
MUTANTS_FOR_CONFIDENCE = 4  # fewer mutants at a block say less about it
PROMOTION_GAP = 0.01  # a promoted block leads the next one by this much


def mutation_score(fixed: int, broken: int, touched: int, failing: int, passing: int) -> float:
    """How strongly one mutant implicates its block: making failing tests pass counts most, changing
    how they fail counts a little (Metallaxis), breaking passing tests counts against (MUSE)."""
    if failing <= 0:
        return 0.0
    score = 0.7 * fixed / failing + 0.3 * touched / failing - 0.5 * broken / max(1, passing)
    return min(1.0, max(0.0, score))


@dataclass
class Probe:
    """A probe run (predicate switch, value replacement) on the failing tests that made some of them pass."""

    block: str
    fixed: int
    name: str = ""  # the variable a value replacement forced


def rerank(scored: list[ScoredBlock], mutants, failing: int, passing: int, switched=(), replaced=()
           ) -> list[ScoredBlock]:
    """Blocks re-scored with the repair search's runs: every candidate is a mutant of its block.

    ``mutants`` are records with ``block``, ``fixed``, ``broken`` and ``touched``. A block whose
    edits flip failing tests gains; one whose edits changed nothing for any failing test loses, in
    proportion to how many edits were tried there and to how strong the best mutant anywhere was.
    Blocks no candidate touched keep their score.

    ``switched`` and ``replaced`` are records with ``block`` and ``fixed`` (``Probe``) for predicate
    switches (repair/switch.py) and value replacements (repair/replace.py, with the variable's
    ``name``): a block whose branch condition, negated, or whose assigned value, replaced by one from
    a passing test, makes failing tests pass gains in proportion to how many; tests it breaks do not
    count against it (the probe runs the failing tests only), and a probe that changed nothing costs
    the block nothing (one condition or one value says little)."""
    by_block: dict[str, list] = {}
    for m in mutants:
        by_block.setdefault(m.block, []).append(m)
    # Mutants speak only as loudly as the best of them: when no edit anywhere changed a failing test,
    # an inert block says nothing about the bug (it may need an edit no operator makes).
    strongest = max((mutation_score(m.fixed, m.broken, m.touched, failing, passing) for m in mutants), default=0.0)
    out = []
    for sb in scored:
        tried = by_block.get(sb.block.id)
        if not tried or failing <= 0:
            out.append(sb)
            continue
        best = max(tried, key=lambda m: mutation_score(m.fixed, m.broken, m.touched, failing, passing))
        evidence = mutation_score(best.fixed, best.broken, best.touched, failing, passing)
        confidence = max(min(1.0, len(tried) / MUTANTS_FOR_CONFIDENCE), best.fixed / failing)
        w = W_MUTATION * confidence * strongest
        score = round(min(1.0, (1 - w) * sb.suspiciousness + w * evidence), 4)
        sentence = _mutation_sentence(best, len(tried), failing)
        verdict = "incorrect" if best.fixed == failing and not best.broken else sb.verdict
        out.append(ScoredBlock(sb.block, score, verdict, f"{sb.explanation.rstrip('.')}. {sentence}"))
    out = _probe_gain(out, switched, failing, W_SWITCH,
                      lambda m, tests: f"Taking the other branch of its condition makes {tests} pass.")
    out = _probe_gain(out, replaced, failing, W_REPLACE, lambda m, tests: (
        f"Replacing `{m.name}` with a value it had in a passing test makes {tests} pass."))
    out.sort(key=lambda s: (-s.suspiciousness, s.block.start_line))
    return out


W_SWITCH = 0.5  # how far a switch that makes every failing test pass lifts its block toward 1
W_REPLACE = 0.5  # the same for a value replacement


def _probe_gain(scored: list[ScoredBlock], probes, failing: int, weight: float, say) -> list[ScoredBlock]:
    """Blocks where a probe (a negated branch condition, a replaced value) makes failing tests pass gain
    ``weight`` × the share of them; ``say(probe, "k of n failing tests")`` is the sentence it adds."""
    best: dict[str, object] = {}
    for m in probes:
        if m.fixed and (m.block not in best or m.fixed > best[m.block].fixed):
            best[m.block] = m
    if not best or failing <= 0:
        return scored
    out = []
    for sb in scored:
        m = best.get(sb.block.id)
        if m is None:
            out.append(sb)
            continue
        score = round(sb.suspiciousness + weight * m.fixed / failing * (1 - sb.suspiciousness), 4)
        sentence = say(m, f"{m.fixed} of {failing} failing test{'s' * (failing != 1)}")
        out.append(ScoredBlock(sb.block, score, sb.verdict, f"{sb.explanation.rstrip('.')}. {sentence}",
                               sb.details))
    return out


def _mutation_sentence(best, tried: int, failing: int) -> str:
    edits = f"{tried} edit{'s' * (tried != 1)} tried here"
    if best.fixed == failing and not best.broken:
        return fix_sentence(failing, failing)
    if best.fixed:
        broke = f" (and broke {best.broken} passing)" if best.broken else ""
        return f"Of {edits}, one made {best.fixed} of {failing} failing tests pass{broke}."
    if best.touched:
        return f"Of {edits}, one changed how {best.touched} of {failing} failing tests fail."
    return f"None of the {edits} changed how any failing test ends."


def fix_sentence(fixed: int, failing: int) -> str:
    return f"A validated edit here makes {fixed} of {failing} failing test{'s' * (failing != 1)} pass."


def promote(scored: list[ScoredBlock], block: Block, why: str) -> list[ScoredBlock]:
    """``block`` first, with ``why`` leading its explanation: a validated fix there outranks any score.

    The report, the CLI's "most suspicious" and the editor's diagnostics then point where the fix is."""
    if scored and scored[0].block.id == block.id:
        return scored
    own = next((s for s in scored if s.block.id == block.id), None)
    rest = [s for s in scored if s.block.id != block.id]
    top = max((s.suspiciousness for s in rest), default=0.0)
    lead = min(1.0, top + PROMOTION_GAP)
    # Everything else stays strictly below, so sorting by score (as the editor does) agrees.
    rest = [s if s.suspiciousness < lead else ScoredBlock(s.block, round(lead - PROMOTION_GAP, 4), s.verdict,
                                                          s.explanation) for s in rest]
    explanation = why if own is None else own.explanation if why in own.explanation else f"{why} {own.explanation}"
    return [ScoredBlock(block, round(lead, 4), "incorrect", explanation)] + rest


def edited_blocks(seg: Segmentation, edits: list[dict]) -> list[str]:
    """Ids of the blocks a suggestion's LSP edits (0-based lines) change, in document order.

    A replaced line belongs to the innermost block holding it. Text inserted at the start of a line
    joins the block of that line, unless that line is outside every function (the end of one, a blank
    line): then it extends the function above it, as an appended `return` does."""
    out: list[str] = []
    for e in edits:
        start, end = e["range"]["start"], e["range"]["end"]
        first, last = start["line"] + 1, end["line"] + 1
        if last > first and end["character"] == 0:
            last -= 1  # the range stops at the start of its last line: that line is untouched
        lines = range(first, last + 1)
        if start == end:
            lines = [_insertion_line(seg, first)]
        for line in lines:
            b = seg.block_at(line)
            if b is not None and b.id not in out:
                out.append(b.id)
    return out


def _insertion_line(seg: Segmentation, line: int) -> int:
    for candidate in range(line, max(0, line - 4), -1):
        b = seg.block_at(candidate)
        if b is not None and b.function != "<module>":
            return candidate
    return line
