"""LLM assistance after the offline repair: LDB block verdicts, explain-then-fix, rounds with rollback.

``assist`` never raises for endpoint or answer problems: each ends as a one-line note in
``messages`` and the offline results stand. Every fix it returns was re-run against all
tests and is a strict improvement (fixes at least one failing test, breaks none).
"""
from __future__ import annotations

import ast
import os
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable

from tracefix.edits import edit_size
from tracefix.llm import prompts
from tracefix.llm.client import Session, Skipped, Unavailable
from tracefix.llm.parse import find_function, normalized, parse_fix, parse_verdicts, signature
from tracefix.llm.splice import diff_and_edits, locate, replace_function
from tracefix.model import Block, RunResult, ScoredBlock, Segmentation, Suggestion, TestCase, TestResult, Validation

MAX_LESSONS = 3
MAX_SUGGESTIONS = 3


@dataclass
class LLMResult:
    blocks: list[ScoredBlock]
    suggestions: list[Suggestion] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    tokens: int = 0
    requests: int = 0
    rounds: int = 0  # rounds actually run
    best_text: str | None = None  # the document with the most tests passing that any round reached
    # What was deliberately not asked, and why (not user messages: nothing went wrong). E.g.
    # "fix: an offline fix already passes every test", "verdicts: they cannot change the ranking".
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Attempt:
    text: str
    fix_explanation: str
    agreement: float
    round: int
    run: RunResult | None = None
    validation: Validation | None = None
    passed: int = 0


def assist(path: str, text: str, seg: Segmentation, tests: list[TestCase], run: RunResult,
           blocks: list[ScoredBlock], settings, python: str | None = None,
           cancel: threading.Event | None = None, progress: Callable[[str, int], None] | None = None,
           feedback: str = "trace-blocks", offline: list[Suggestion] | None = None) -> LLMResult:
    """``blocks`` is the ranking after the offline repair and ``offline`` its validated suggestions: when
    one of them already passes every test the model is not asked for a fix (it could only add a rival),
    and block verdicts are asked only if they can still move a block other than the one that fix edits."""
    result = LLMResult(blocks=list(blocks))
    llm = settings.llm
    if not llm.enabled:
        return result
    if not llm.base_url or not llm.model:
        result.messages.append("LLM is on but no endpoint is configured (set a base URL and a model, e.g. "
                               "TRACEFIX_LLM_BASE_URL and TRACEFIX_LLM_MODEL): offline results only")
        return result
    if feedback not in prompts.LEVELS:
        raise ValueError(f"unknown feedback level {feedback!r}; use one of {', '.join(prompts.LEVELS)}")
    cancel = cancel or threading.Event()
    session = None
    try:
        session = Session(llm, cancel)
        _Run(path, text, seg, tests, run, settings, python, cancel, progress or (lambda m, p: None),
             feedback, session, result, settled_block(text, run, blocks, offline or [])).go()
    except Unavailable as e:
        if str(e) != "cancelled":
            _note(result, str(e))
    except Exception as e:  # a bug of ours must not take the offline results down with it
        _note(result, f"LLM assistance failed ({type(e).__name__}: {' '.join(str(e).split())[:120]}): "
                      "offline results only")
    if session is not None:
        result.tokens, result.requests = session.tokens, session.requests
    return result


def settled_block(text: str, run: RunResult, blocks: list[ScoredBlock], offline: list[Suggestion]) -> str | None:
    """Id of the ranked block edited by an offline fix that passes every test (fixes every failing test,
    breaks none); None when no offline fix does. The empty string: such a fix edits no ranked block."""
    failing = sum(1 for t in run.tests if t.failing)
    for s in offline:
        v = s.validation
        if v is None or v.broken or not failing or len(v.fixed) < failing:
            continue
        touched = {e["range"]["start"]["line"] + 1 + k for e in s.edits
                   for k in range(e["range"]["end"]["line"] - e["range"]["start"]["line"] + 1)}
        rank = _block_rank([sb.block for sb in blocks], touched)
        return blocks[rank].block.id if rank >= 0 else ""
    return None


def join(report, result: LLMResult) -> None:
    """The LLM's ranking, new fixes (numbered after the offline ones, duplicates dropped) and notes join ``report``."""
    report.blocks = result.blocks
    taken = {s.new_text for s in report.suggestions}
    for suggestion in result.suggestions:
        if suggestion.new_text not in taken:
            suggestion.id = f"s{len(report.suggestions) + 1}"
            report.suggestions.append(suggestion)
            taken.add(suggestion.new_text)
    report.messages += result.messages


def _note(result: LLMResult, message: str) -> None:
    if message and message not in result.messages:
        result.messages.append(message)


def merge_verdicts(blocks: list[ScoredBlock], verdicts: dict[str, tuple[str, str]],
                   seg: Segmentation, pinned: str | None = None) -> list[ScoredBlock]:
    """Blocks the model calls incorrect go to the top band [0.6, 1] (offline order kept inside it),
    the others are scaled below it; blocks it calls correct drop a little further. ``pinned`` (the
    block a validated fix that passes every test edits) stays first whatever the model says: a
    validated edit is stronger evidence than the model's opinion, and the diagnostic stays on the fix."""
    blamed = any(v == "incorrect" for v, _ in verdicts.values())
    out = []
    listed = {sb.block.id for sb in blocks}
    extra = [ScoredBlock(b, 0.0) for b in seg.blocks
             if b.id not in listed and verdicts.get(b.id, ("",))[0] == "incorrect"]
    for sb in list(blocks) + extra:  # extra: blocks the model blames that offline ranking did not list
        verdict, why = verdicts.get(sb.block.id, ("", ""))
        s = sb.suspiciousness
        if verdict == "incorrect":
            s = 0.6 + 0.4 * s
        elif verdict == "correct":
            s = s * 0.5
        elif blamed:
            s = s * 0.6
        if verdict:
            text = f"LLM: {why}" if why else f"LLM judged this block {verdict}"
            if sb.explanation:
                text += f" (offline: {sb.explanation})"
            out.append(replace(sb, suspiciousness=round(s, 4), verdict=verdict, explanation=text))
        else:
            out.append(replace(sb, suspiciousness=round(s, 4)))
    out.sort(key=lambda sb: -sb.suspiciousness)
    own = next((sb for sb in blocks if pinned and sb.block.id == pinned), None)
    if own is not None:  # the pinned block keeps its offline score and rationale, strictly above the rest
        rest = [sb for sb in out if sb.block.id != pinned]
        top = round(min(1.0, max([own.suspiciousness] + [sb.suspiciousness + 0.01 for sb in rest])), 4)
        out = [replace(own, suspiciousness=top)] + [
            sb if sb.suspiciousness < top else replace(sb, suspiciousness=round(top - 0.01, 4)) for sb in rest]
    return out


def verdicts_can_move(ranked: list[ScoredBlock], asked: list[str], pinned: str | None) -> bool:
    """Whether block verdicts on ``asked`` can change the order of ``ranked`` with ``pinned`` kept first:
    some asked block other than the pinned one, and at least two blocks (ranked or asked) to order."""
    others = {sb.block.id for sb in ranked} | set(asked)
    others.discard(pinned)
    return bool(set(asked) - {pinned}) and len(others) >= 2


class _Run:
    def __init__(self, path, text, seg, tests, run, settings, python, cancel, progress, feedback, session, result,
                 settled: str | None = None):
        self.path, self.text, self.seg, self.tests, self.run = path, text, seg, tests, run
        self.settings, self.python, self.cancel, self.progress = settings, python, cancel, progress
        self.feedback, self.session, self.result = feedback, session, result
        self.llm = settings.llm
        self.settled = settled  # see settled_block: not None = an offline fix already passes every test

    # --- what to work on ---------------------------------------------------------------------
    def _target(self) -> str | None:
        names = [sb.block.function for sb in self.result.blocks]
        for t in self.run.tests:
            if t.failing and t.line:
                b = self.seg.block_at(t.line)
                if b:
                    names.append(b.function)
        for name in names:
            if name and name != "<module>" and locate(self.text, name):
                return name
        return None

    def _failing_test(self, run: RunResult, block_ids: set[str]) -> TestResult | None:
        failing = [t for t in run.tests if t.failing]
        for t in failing:
            if any(bid in block_ids for bid, _ in run.traces.get(t.id, [])):
                return t
        return failing[0] if failing else None

    def _case(self, test_id: str) -> TestCase | None:
        for case in self.tests:
            if case.id == test_id or case.id == test_id.split("[")[0]:
                return case
        return None

    def _context(self, text: str, seg: Segmentation, run: RunResult, name: str) -> tuple[str, list[str]]:
        def_line, end_line, src = locate(text, name)
        blocks = [b for b in seg.blocks if b.function == name]
        by_id = {b.id: b for b in blocks}
        lines = text.splitlines()[def_line - 1:end_line]
        code = prompts.marked_code(lines, def_line, blocks) if self.feedback == "trace-blocks" else "\n".join(lines)
        failing = self._failing_test(run, set(by_id))
        if failing is None:
            return prompts.context(prompts.task_description(src), code, "none", "", "", ""), []
        entries = [(bid, v) for bid, v in run.traces.get(failing.id, []) if bid in by_id]
        if self.feedback == "trace-lines":
            trace = prompts.trace_lines(entries, by_id)
        else:
            trace = prompts.trace_blocks(entries, by_id)
        ctx = prompts.context(prompts.task_description(src), code, self.feedback,
                              prompts.test_source(self._case(failing.id), self.path, text),
                              prompts.failure_text(failing), trace)
        seen: list[str] = []
        for bid, _ in entries:
            if bid not in seen:
                seen.append(bid)
        return ctx, seen

    # --- the loop ------------------------------------------------------------------------------
    def go(self) -> None:
        name = self._target()
        if name is None:
            _note(self.result, "LLM: no function to repair near the failure: offline results only")
            return
        original_sig = signature(find_function(ast.parse(self.text), name))
        self.progress(f"asking the LLM about {name}", 0)
        if self.feedback == "trace-blocks":
            try:
                self._verdicts(name)
            except Unavailable as e:
                self.stopped = str(e)
        keep: dict[str, _Attempt] = {}
        if self.settled is not None:  # the model's fix could only be a rival of a fix the tests cannot fault
            self.result.skipped.append("fix: an offline fix already passes every test")
        else:
            try:
                self._rounds(name, original_sig, keep)
            finally:  # whatever went wrong later, fixes already validated are still offered
                self.result.suggestions = self._suggestions(list(keep.values()))
        if self.stopped and self.stopped != "cancelled":
            _note(self.result, self.stopped)

    def _rounds(self, name: str, original_sig: str, keep: dict[str, _Attempt]) -> None:
        from tracefix import validate
        base_text, base_seg, base_run = self.text, self.seg, self.run
        base_passed = sum(t.outcome == "passed" for t in self.run.tests)
        lessons: list[str] = []
        for rnd in range(self.llm.rounds):
            if self.cancel.is_set() or self.stopped:
                return
            self.result.rounds = rnd + 1
            ctx, _ = self._context(base_text, base_seg, base_run, name)
            verdicts = self._last_verdicts if rnd == 0 else {}
            prompt = prompts.fix_prompt(ctx, name, verdicts, lessons[-MAX_LESSONS:])
            attempts = self._samples(prompt, base_text, name, original_sig, rnd, lessons)
            best: _Attempt | None = None
            for attempt in attempts:
                self.progress(f"validating LLM fix (round {rnd + 1})", 30 + 60 * rnd // self.llm.rounds)
                self._validate(attempt)
                if attempt.run is None:
                    lessons.append(f"- Round {rnd + 1}: this change could not be tested ({self._last_error}).")
                    continue
                if validate.is_improvement(attempt.validation):
                    keep.setdefault(attempt.text, attempt)
                if attempt.passed > base_passed and (best is None or attempt.passed > best.passed):
                    best = attempt
                elif attempt.passed <= base_passed:
                    lessons.append(self._lesson(base_text, attempt, rnd))
            if best is None:
                continue  # rollback: the next round starts again from the last kept code
            base_text, base_passed = best.text, best.passed
            self.result.best_text = base_text
            if self.stopped or base_passed == best.validation.total or rnd + 1 == self.llm.rounds:
                break
            # The next round needs the kept code's own trace and blocks (TraceCoder: probe again).
            from tracefix import segment, childrun
            base_seg = segment.segment(base_text)
            base_run = childrun.run_tests(self.path, base_text, base_seg, self.tests, self.settings,
                                       python=self.python, cancel=self.cancel)

    _last_verdicts: dict[str, tuple[str, str]] = {}
    _last_error = ""
    stopped = ""  # why the endpoint cannot be asked any more in this run

    def _verdicts(self, name: str) -> None:
        ctx, ids = self._context(self.text, self.seg, self.run, name)
        if not ids:
            return
        if self.settled is not None and not verdicts_can_move(self.result.blocks, ids, self.settled):
            self.result.skipped.append("verdicts: with the validated fix's block kept first they cannot "
                                       "change the ranking")
            return
        try:
            reply = self.session.chat(prompts.SYSTEM, prompts.verdict_prompt(ctx, ids), temperature=0.0,
                                      max_answer=150 + 80 * len(ids))
        except Skipped as e:
            _note(self.result, f"{e}: block verdicts skipped")
            return
        verdicts = parse_verdicts(reply.text, ids)
        if not verdicts:
            _note(self.result, "LLM block verdicts were not readable JSON: offline ranking kept")
            return
        self._last_verdicts = verdicts
        self.result.blocks = merge_verdicts(self.result.blocks, verdicts, self.seg, pinned=self.settled or None)

    def _samples(self, prompt: str, base_text: str, name: str, sig: str, rnd: int,
                 lessons: list[str]) -> list[_Attempt]:
        found: list[tuple[str, str, str]] = []  # (new text, explanation, normalized code)
        answers = 0
        for k in range(self.llm.samples):
            if self.cancel.is_set():
                break
            self.progress(f"LLM fix sample {k + 1} (round {rnd + 1})", 10 + 60 * rnd // self.llm.rounds)
            try:
                # The first sample is the model's best guess; later ones explore.
                reply = self.session.chat(prompts.SYSTEM, prompt, temperature=0.2 if k == 0 else 0.8)
            except Skipped as e:
                _note(self.result, str(e))
                continue
            except Unavailable as e:  # test what already came back, then stop asking
                self.stopped = str(e)
                break
            answers += 1
            fix, why = parse_fix(reply.text, name)
            if fix is None:
                _note(self.result, f"LLM answer rejected: {why}")
                lessons.append(f"- Round {rnd + 1}: an answer was unusable because {why}.")
                continue
            if signature(fix.node) != sig:
                why = f"it changed the signature of {name.split('.')[-1]}"
                _note(self.result, f"LLM answer rejected: {why}")
                lessons.append(f"- Round {rnd + 1}: an answer was rejected because {why}; keep it exactly.")
                continue
            new_text = replace_function(base_text, name, fix.code)
            try:
                ast.parse(new_text or "")
            except (SyntaxError, ValueError):
                new_text = None
            if not new_text or new_text == base_text:
                lessons.append(f"- Round {rnd + 1}: an answer returned the code unchanged.")
                continue
            found.append((new_text, fix.explanation, normalized(fix.node)))
        votes = Counter(norm for _, _, norm in found)
        attempts: dict[str, _Attempt] = {}
        for new_text, explanation, norm in found:
            if new_text not in attempts:
                attempts[new_text] = _Attempt(new_text, explanation, votes[norm] / max(1, answers), rnd + 1)
        # Most agreed-on first: if validation time runs short, the likeliest fix is checked.
        return sorted(attempts.values(), key=lambda a: -a.agreement)

    def _validate(self, attempt: _Attempt) -> None:
        """Exactly the offline candidates' check: all tests re-run in a child, compared with the first run."""
        from tracefix import validate
        if self.cancel.is_set():
            return
        attempt.validation, run = validate.validate(self.path, attempt.text, self.seg, self.tests, self.run,
                                                    self.settings, python=self.python, cancel=self.cancel)
        if run.error and not run.tests:
            self._last_error = run.error
            return
        attempt.run = run
        attempt.passed = attempt.validation.passed

    def _lesson(self, base_text: str, attempt: _Attempt, rnd: int) -> str:
        diff, _ = diff_and_edits(base_text, attempt.text, os.path.basename(self.path))
        changed = [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))][:8]
        still = [t for t in attempt.run.tests if t.outcome != "passed"]
        why = f"; {still[0].id} still fails: {' '.join(still[0].message.split())[:160]}" if still else ""
        return (f"- Round {rnd + 1}: this change did not help ({attempt.passed} of {len(attempt.run.tests)} "
                f"tests pass{why}):\n" + "\n".join(f"    {l}" for l in changed))

    def _suggestions(self, attempts: list[_Attempt]) -> list[Suggestion]:
        attempts.sort(key=lambda a: (-a.passed, edit_size(self.text, a.text).chars))
        ranked = [sb.block for sb in self.result.blocks]
        out = []
        for n, a in enumerate(attempts[:MAX_SUGGESTIONS], 1):
            v = a.validation
            fixed, total = v.fixed, v.total
            diff, edits = diff_and_edits(self.text, a.text, os.path.basename(self.path))
            size = edit_size(self.text, a.text)
            touched = {e["range"]["start"]["line"] + 1 + k for e in edits
                       for k in range(e["range"]["end"]["line"] - e["range"]["start"]["line"] + 1)}
            rank = _block_rank(ranked, touched)
            first = (a.fix_explanation.split(". ")[0].rstrip(".") or "LLM fix")
            verdict = "all tests pass" if a.passed == total else f"{a.passed} of {total} tests pass"
            out.append(Suggestion(
                id=f"llm{n}", origin="llm", title=(first if len(first) <= 80 else first[:77] + "..."),
                explanation=f"{a.fix_explanation} Re-running the tests with this change: {verdict} "
                            f"(fixes {', '.join(fixed)}).".strip(),
                diff=diff, edits=edits, new_text=a.text,
                validation=v,
                features={"operator": "llm", "origin": "llm", "edit_lines": size.lines, "edit_tokens": size.tokens,
                          "block_rank": rank, "in_top_block": rank == 0, "tests_fixed": len(fixed),
                          "tests_total": total, "tests_broken": len(v.broken),
                          "sample_agreement": round(a.agreement, 3), "round": a.round,
                          "feedback": self.feedback}))
        return out


def _block_rank(ranked: list[Block], lines: set[int]) -> int:
    """Rank (0 = most suspicious) of the first ranked block the edit touches; -1 when none."""
    for i, b in enumerate(ranked):
        if any(b.contains(l) for l in lines):
            return i
    return -1
