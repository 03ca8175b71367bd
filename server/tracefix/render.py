"""Human-readable output for the terminal: failing tests, their block-by-block trace, the fix."""
from __future__ import annotations

import os
from typing import TextIO

from tracefix.model import Report, Visit

HEAD_VISITS = 6
TAIL_VISITS = 6


class _Style:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def red(self, t: str) -> str:
        return self(t, "31")

    def green(self, t: str) -> str:
        return self(t, "32")

    def yellow(self, t: str) -> str:
        return self(t, "33")

    def dim(self, t: str) -> str:
        return self(t, "2")

    def bold(self, t: str) -> str:
        return self(t, "1")


def human(report: Report, color: bool = False, show_all: bool = False) -> str:
    s = _Style(color)
    out: list[str] = []
    name = os.path.basename(report.file)
    counts: dict[str, int] = {}
    for t in report.tests:
        counts[t.outcome] = counts.get(t.outcome, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no tests"
    total = report.timing_ms.get("total", 0) / 1000
    out.append(s.bold(f"{name}: {len(report.tests)} tests: {summary}") +
               s.dim(f"  (Python {report.python or '?'}, {total:.1f} s)"))
    for msg in report.messages:
        out.append(s.dim(f"note: {msg}"))
    if report.error:
        out.append(s.red(f"error: {report.error}"))
    if not report.failing:
        if report.tests:
            out.append(s.green("All tests pass."))
        return "\n".join(out) + "\n"
    blocks = {b.id: b for b in (report.segmentation.blocks if report.segmentation else [])}
    for test in report.failing:
        out.append("")
        where = f" (line {test.line})" if test.line else ""
        out.append(s.red(f"{test.outcome.upper()} {test.id}") + f"{where}: {test.message}")
        out += _trace_lines(report, test.id, blocks, s)
    if report.blocks:
        top = report.blocks[0]
        out.append("")
        b = top.block
        lines = f"line {b.start_line}" if b.start_line == b.end_line else f"lines {b.start_line}-{b.end_line}"
        out.append(s.yellow(f"Most suspicious: {b.function} {lines}"))
        if top.explanation:
            out.append(f"  {top.explanation}")
        if show_all and top.details:  # the evidence behind the sentence: rank, spectrum, mutants
            out.append(s.dim(f"  details: {top.details}"))
    shown = [x for x in report.suggestions if x.shown or show_all]
    for sug in shown:
        out.append("")
        v = sug.validation
        check = f"re-run: {v.passed}/{v.total} tests pass" if v else "not validated"
        label = "Suggested fix" if sug.shown else "Held back"
        out.append(s.green(f"{label}: {sug.title}") + s.dim(f"  [{sug.origin}, {check}]"))
        if sug.explanation:
            out.append(f"  {sug.explanation}")
        if show_all and sug.details:
            out.append(s.dim(f"  details: {sug.details} (p_accept {sug.p_accept:.2f})"))
        for line in sug.diff.splitlines():
            out.append("  " + (s.green(line) if line.startswith("+") and not line.startswith("+++")
                               else s.red(line) if line.startswith("-") and not line.startswith("---") else line))
    hidden = [x for x in report.suggestions if not (x.shown or show_all)]
    if hidden:
        out.append(s.dim("\n" + _held_note(hidden, bool(shown))))
    if report.failing and not report.suggestions and report.blocks:
        out.append(s.dim("\nNo validated fix found."))
    return "\n".join(out) + "\n"


def _held_note(hidden: list, any_shown: bool) -> str:
    """One line on what was held. With nothing shown it names the best validated fix and why it was held:
    the user asked for this run, so the fix the precision knob kept from interrupting them is worth a line."""
    best = next((x for x in hidden if x.validation is not None and x.validation.fixed), None)
    if best is None or any_shown:
        return f"{len(hidden)} more suggestion(s) held back as not confident enough (--all shows them)."
    v = best.validation
    more = f" and {len(hidden) - 1} more" if len(hidden) > 1 else ""
    return (f"Held back: {best.title} (re-run: {v.passed}/{v.total} tests pass): {best.reason}. "
            f"--all shows it{more}; a lower --precision shows such fixes.")


def _trace_lines(report: Report, test_id: str, blocks: dict, s: _Style) -> list[str]:
    if report.run is None or test_id not in report.run.traces:
        return []
    seq = report.run.traces[test_id]
    lines = [s.dim("  block-by-block trace:")]
    picked = list(enumerate(seq))
    if len(seq) > HEAD_VISITS + TAIL_VISITS:
        picked = picked[:HEAD_VISITS] + [(-1, None)] + picked[-TAIL_VISITS:]
    for i, item in picked:
        if item is None:
            lines.append(s.dim(f"    … {len(seq) - HEAD_VISITS - TAIL_VISITS} more block visits …"))
            continue
        block_id, visit = item
        b = blocks.get(block_id)
        span = f"L{b.start_line}" + (f"-{b.end_line}" if b and b.end_line != b.start_line else "") if b else ""
        rep = f" #{visit.iteration + 1}" if visit.iteration else ""
        indent = "  " * min(visit.depth, 4)
        lines.append(f"    {indent}{block_id:<{max(14 - len(indent), 1)}} {span:<8}{rep:<4} {_changes(visit)}")
    note = report.run.trace_note(test_id)
    return lines + ([s.dim(f"    {note}")] if note else [])


def _changes(visit: Visit) -> str:
    parts = []
    for name, after in visit.changes().items():
        before = visit.before.get(name)
        parts.append(f"{name}={after}" if before is None else f"{name}: {before} → {after}")
    if not parts and visit.before:
        parts.append(", ".join(f"{k}={v}" for k, v in list(visit.before.items())[:4]))
    if visit.returned is not None:
        parts.append(f"returns {visit.returned}")
    if visit.raised:
        parts.append(f"raises {visit.raised}")
    text = "  ".join(parts)
    return text if len(text) <= 160 else text[:157] + "..."


def progress_printer(stream: TextIO):
    """A callback that shows the current stage on one terminal line."""

    def show(message: str, percent: int) -> None:
        stream.write(f"\r\033[K[{percent:3d}%] {message}…")
        stream.flush()
        if percent >= 100:
            stream.write("\r\033[K")

    return show
