"""Segment a Python document into basic blocks (DESIGN.md §1, stage 1).

``segment(text)`` parses with tree-sitter (which keeps going past syntax errors)
and cuts every function, method, nested function and the module body into basic
blocks. Each block carries a *leader line*: the line on which CPython 3.9-3.13
emits a ``line`` trace event when control enters the block. The probe sees block
visits only through those events, so the rules below follow what CPython really
emits (checked by tests/test_segment.py against real interpreters), not what a
textbook CFG would say:

* A compound statement's header line (``if``/``with``/``match`` subject/``try:``)
  runs in the block *before* it, so it belongs there; the suites are new blocks.
* ``elif``, ``except`` and ``case`` tests run only when the previous test failed:
  each is a small block led by its own header line; its suite is another block.
* ``for``/``while`` headers are blocks of their own: CPython fires the header line
  on every iteration (3.10+ also for ``while True:``; 3.9 compiles that header
  away, so there the body block re-enters itself instead).
* ``else:``/``finally:``/``try:``-less lines never fire, so suites are led by
  their first statement that does.
* Function docstrings, ``global``/``nonlocal`` and (3.9) bare annotations and
  constant expression statements emit no event, so they never lead a block.
* In 3.10+ the ``with`` line fires again when ``__exit__`` runs; when a ``with``
  statement opens its block, that block is therefore visited twice (enter, exit).
* CPython re-fires the first line of a multi-line statement after evaluating its
  continuation lines (``x = f(\\n a)`` fires 1, 2, 1) and, from 3.12, fires an
  inlined comprehension's line once per iteration. ``segment_with_spans`` gives
  each leader's statement span so a tracer can tell such re-fires from a real
  re-entry: a leader event is a new entry unless the frame's previous line event
  was inside that span while already in the block.

Class bodies get no blocks of their own: their statements run in the class's
frame once, at import, so they are folded into the block holding the ``class``
statement; methods are functions named ``Class.method``. Lambdas and
comprehensions stay inside the block of the statement that holds them.

A scope (function or module body) that contains a syntax error is not segmented:
the region is reported in ``Segmentation.errors`` (a broken function is still
listed in ``functions``, without blocks) and every clean function is still
segmented. tree-sitter accepts some things CPython rejects (a stray indent); those
are left to the run stage, which reports CPython's own SyntaxError.
"""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field

import tree_sitter
import tree_sitter_python

from tracefix.model import Block, Function, Segmentation

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))

_ENDS_BLOCK = {"return_statement", "raise_statement", "break_statement", "continue_statement"}
_NO_CODE = {"global_statement", "nonlocal_statement", "comment"}
_CONSTANT_EXPR = {"string", "concatenated_string", "integer", "float", "true", "false", "none",
                  "ellipsis"}
_DEFS = {"function_definition", "class_definition", "decorated_definition"}


def segment(text: str) -> Segmentation:
    """Basic blocks and functions of ``text``; never raises on bad source."""
    return segment_with_spans(text)[0]


def segment_with_spans(text: str) -> tuple[Segmentation, dict[str, tuple[int, int]]]:
    """Like ``segment``, plus block id -> (first, last) line of its leader's statement.

    The span is what a tracer needs to ignore CPython's re-fires of a leader line
    inside one execution of a multi-line statement (see the module docstring).
    """
    # CPython reads source with universal newlines: a lone '\r' ends a line there too.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    tree = _PARSER.parse(text.encode("utf-8", "surrogatepass"))
    walker = _Walker()
    walker.scope_body(tree.root_node, "<module>", module=True)
    walker.errors.sort()
    seg = Segmentation(blocks=walker.blocks, functions=walker.functions, errors=walker.errors)
    return seg, walker.spans


# --- syntax errors ------------------------------------------------------------------------------


def _error_nodes(node: tree_sitter.Node, skip_defs: bool) -> list[tree_sitter.Node]:
    """ERROR / MISSING nodes under ``node``; with ``skip_defs``, not inside nested defs."""
    found = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.is_missing or n.type == "ERROR":
            found.append(n)
            continue
        if not n.has_error:
            continue
        for c in n.children:
            if skip_defs and c.type == "function_definition":
                continue  # a nested function is a scope of its own (class bodies are folded in)
            stack.append(c)
    return found


def _describe(err: tree_sitter.Node) -> str:
    if err.is_missing:
        return f"missing '{err.type}'"
    text = err.text[:200].decode("utf-8", "replace").strip().splitlines()
    first = text[0][:30] if text else ""
    return f"syntax error near '{first}'" if first else "syntax error"


# --- the walker ---------------------------------------------------------------------------------


@dataclass
class _Open:
    """A block being built."""

    kind: str
    start: int
    end: int
    # (line, statement span) of statements that surely fire, in order; the first one leads.
    strong: list[tuple[int, tuple[int, int]]] = field(default_factory=list)
    # Fallback when none does: statements that fire only on some versions.
    weak: list[tuple[int, tuple[int, int]]] = field(default_factory=list)


@dataclass
class _Scope:
    name: str
    is_function: bool
    blocks: list[_Open] = field(default_factory=list)
    cur: _Open | None = None
    pending: str = "body"  # kind for the next block opened
    claimed: set[int] = field(default_factory=set)  # lines holding code of this scope's blocks


def _line(point) -> int:
    return point.row + 1


def _colon_line(node: tree_sitter.Node) -> int:
    """Line of the ':' ending a compound statement's (or clause's) header."""
    for c in node.children:
        if c.type == ":":
            return _line(c.start_point)
    return _line(node.start_point)


def _unparen(node: tree_sitter.Node) -> tree_sitter.Node:
    # CPython positions an expression at its first token, not at its parentheses:
    # `while (\n  n > 0):` fires line 2 (3.10+ never fires line 1).
    while node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


class _Walker:
    def __init__(self):
        self.blocks: list[Block] = []
        self.functions: list[Function] = []
        self.errors: list[tuple[int, int, str]] = []
        self.spans: dict[str, tuple[int, int]] = {}
        self.leader_lines: set[int] = set()

    # scopes

    def scope_body(self, node: tree_sitter.Node, name: str, module: bool = False,
                   body: tree_sitter.Node | None = None) -> None:
        """Segment one function (``body`` = its block node) or the module (``node``)."""
        suite = node if module else body
        errs = _error_nodes(node, skip_defs=True)
        if suite is None and not errs:
            return
        scope = _Scope(name, is_function=not module)
        if errs:
            first = min(errs, key=lambda e: e.start_byte)
            where = _line(first.start_point)
            if module:
                for e in errs:
                    self.errors.append((_line(e.start_point), _line(e.end_point),
                                        f"{_describe(e)}; module-level code not segmented"))
            else:
                self.errors.append((_line(node.start_point), _line(node.end_point),
                                    f"{_describe(first)} at line {where}; function '{name}' not segmented"))
            # Still look for clean functions nested in the broken scope.
            self._nested_only(node if module or suite is None else suite, "" if module else name)
            return
        stmts = self._statements(suite)
        if not module and len(stmts) > 1 and self._is_docstring_node(stmts[0]):
            stmts = stmts[1:]  # not compiled into the body: no event, not part of any block
        try:
            self.suite(scope, stmts, "body", header_line=0)
        except RecursionError:
            # Hundreds of nesting levels (CPython itself stops at 100): report, don't crash.
            self.errors.append((_line(node.start_point), _line(node.end_point),
                                f"nested too deeply; '{name}' not segmented"))
            return
        self._emit(scope)

    def _emit(self, scope: _Scope) -> None:
        n = 0
        for ob in scope.blocks:
            # `def f(): return 1` opening a block puts one line in two scopes; nested scopes are
            # emitted first and keep it (probes key leaders by line), the outer block takes its
            # next statement that fires.
            used = self.leader_lines
            leader, span = next((c for c in ob.strong or ob.weak if c[0] not in used), (0, (0, 0)))
            if leader:
                self.leader_lines.add(leader)
            n += 1
            bid = f"{scope.name}:B{n}"
            self.blocks.append(Block(id=bid, function=scope.name, start_line=ob.start, end_line=ob.end,
                                     kind=ob.kind, leader_line=leader))
            self.spans[bid] = span

    def _statements(self, suite: tree_sitter.Node) -> list[tree_sitter.Node]:
        return [c for c in suite.named_children if c.type not in ("comment",)]

    def _nested_only(self, node: tree_sitter.Node, prefix: str) -> None:
        """Find defs anywhere below ``node`` (not inside other defs) and segment them."""
        stack = list(reversed(node.children))
        while stack:
            n = stack.pop()
            if n.type in _DEFS:
                self.definition(n, prefix)
                continue
            stack.extend(reversed(n.children))

    def definition(self, node: tree_sitter.Node, prefix: str) -> None:
        """A def/class/decorated statement: register nested scopes (not the statement itself)."""
        start = _line(node.start_point)
        if node.type == "decorated_definition":
            inner = node.child_by_field_name("definition")
            if inner is None:
                return
        else:
            inner = node
        name_node = inner.child_by_field_name("name")
        if name_node is None:
            return
        qual = (prefix + "." if prefix else "") + name_node.text.decode("utf-8", "replace")
        body = inner.child_by_field_name("body")
        if inner.type == "class_definition":
            # Class bodies are folded into the enclosing block; only their defs are scopes.
            if body is not None:
                self._nested_only(body, qual)
            return
        self.functions.append(Function(name=qual, start_line=start, end_line=_line(inner.end_point),
                                       def_line=_line(inner.start_point), params=self._params(inner),
                                       docstring=self._docstring(body)))
        self.scope_body(inner, qual, body=body)

    def _params(self, fn: tree_sitter.Node) -> tuple[str, ...]:
        params = fn.child_by_field_name("parameters")
        out = []
        if params is None:
            return ()
        for p in params.named_children:
            n = p
            if n.type in ("default_parameter", "typed_default_parameter"):
                n = n.child_by_field_name("name") or n
            elif n.type == "typed_parameter":
                n = next((c for c in n.named_children if c.type in (
                    "identifier", "list_splat_pattern", "dictionary_splat_pattern")), n)
            if n.type in ("list_splat_pattern", "dictionary_splat_pattern"):
                n = next((c for c in n.named_children if c.type == "identifier"), n)
            if n.type == "identifier":
                out.append(n.text.decode("utf-8", "replace"))
        return tuple(out)

    def _docstring(self, body: tree_sitter.Node | None) -> str:
        first = self._first_stmt(body)
        if first is None or not self._is_docstring_node(first):
            return ""
        raw = first.text.decode("utf-8", "replace")
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return raw
        return inspect.cleandoc(value) if isinstance(value, str) else ""

    def _first_stmt(self, body: tree_sitter.Node | None) -> tree_sitter.Node | None:
        if body is None:
            return None
        for c in body.named_children:
            if c.type != "comment":
                return c
        return None

    @staticmethod
    def _is_docstring_node(stmt: tree_sitter.Node) -> bool:
        if stmt.type != "expression_statement" or stmt.named_child_count != 1:
            return False
        value = stmt.named_children[0]
        if value.type == "string":
            return not any(c.type == "interpolation" for c in value.named_children)
        if value.type == "concatenated_string":
            return all(s.type == "string" and not any(c.type == "interpolation" for c in s.named_children)
                       for s in value.named_children)
        return False

    # blocks

    def _open(self, scope: _Scope, start: int) -> _Open:
        if scope.cur is None:
            scope.cur = _Open(kind=scope.pending, start=start, end=start)
            scope.blocks.append(scope.cur)
        return scope.cur

    def _close(self, scope: _Scope, pending: str) -> None:
        scope.cur = None
        scope.pending = pending

    def _add(self, scope: _Scope, start: int, end: int, fire: int | None, strength: str,
             span: tuple[int, int] | None = None, claim_end: int = 0) -> None:
        """Add code spanning ``start..end`` (firing at ``fire``) to the current block."""
        ob = self._open(scope, start)
        if end > ob.end:
            ob.end = end
        span = span or (start, end)
        if fire and fire not in scope.claimed:
            if strength == "strong":
                ob.strong.append((fire, span))
            elif strength == "weak":
                ob.weak.append((fire, span))
        scope.claimed.update(range(start, (claim_end or end) + 1))

    def _header(self, scope: _Scope, node: tree_sitter.Node, fire: int | None = None) -> None:
        """A compound statement's header, run by the current block."""
        start, colon = _line(node.start_point), _colon_line(node)
        self._add(scope, start, colon, fire or start, "strong", (start, colon))

    def _own_block(self, scope: _Scope, kind: str, node: tree_sitter.Node, fire: int) -> None:
        """A header that is a block of its own (loop header, elif/except/case test)."""
        self._close(scope, kind)
        self._header(scope, node, fire)
        self._close(scope, kind)

    def suite(self, scope: _Scope, stmts: list[tree_sitter.Node], kind: str, header_line: int) -> None:
        """Statements of one suite; the first block opened here gets ``kind``."""
        if not stmts:
            return
        if header_line and _line(stmts[0].start_point) == header_line and header_line in scope.claimed:
            # `if x: y = 1` - CPython fires the line once for header and body together, so an
            # inline suite cannot be observed apart from its header: it stays in the header's
            # block (same line, nothing to extend; an inline suite holds no compound statement).
            return
        self._close(scope, kind)
        for s in stmts:
            self.statement(scope, s)

    def statement(self, scope: _Scope, s: tree_sitter.Node) -> None:
        t = s.type
        start, end = _line(s.start_point), _line(s.end_point)
        if t in _DEFS:
            # The def/class statement itself runs in this block; its body is another scope.
            # Only the header lines are this scope's code; the body's lines belong to its own scope.
            self._add(scope, start, end, start, "strong", claim_end=_colon_line(
                s.child_by_field_name("definition") or s))
            self.definition(s, scope.name if scope.name != "<module>" else "")
        elif t == "if_statement":
            self._header(scope, s, self._cond_line(s))
            self._close(scope, "if")
            self.suite(scope, self._body(s, "consequence"), "if", _colon_line(s))
            for clause in s.children_by_field_name("alternative"):
                if clause.type == "elif_clause":
                    self._own_block(scope, "elif", clause, self._cond_line(clause))
                    self.suite(scope, self._body(clause, "consequence"), "elif_body", _colon_line(clause))
                else:
                    self.suite(scope, self._body(clause, "body"), "else", _colon_line(clause))
            self._close(scope, "after")
        elif t in ("for_statement", "while_statement"):
            # The `for` line fires on every iteration on 3.9-3.13. (3.13, with the iterable on a
            # later line, fires only the iterable's line at exhaustion: that last visit is missed.)
            fire = start if t == "for_statement" else self._cond_line(s)
            self._own_block(scope, "for" if t == "for_statement" else "while", s, fire)
            self.suite(scope, self._body(s, "body"), "loop_body", _colon_line(s))
            alt = s.child_by_field_name("alternative")
            if alt is not None:
                self.suite(scope, self._body(alt, "body"), "else", _colon_line(alt))
            self._close(scope, "after")
        elif t == "try_statement":
            self._header(scope, s)  # `try:` fires (a NOP kept for its line) on 3.9-3.13
            self.suite(scope, self._body(s, "body"), "try", _colon_line(s))
            for clause in s.named_children:
                ct = clause.type
                if ct in ("except_clause", "except_group_clause"):
                    self._own_block(scope, "except", clause, _line(clause.start_point))
                    self.suite(scope, self._clause_suite(clause), "handler", _colon_line(clause))
                elif ct == "else_clause":
                    self.suite(scope, self._body(clause, "body"), "else", _colon_line(clause))
                elif ct == "finally_clause":
                    self.suite(scope, self._clause_suite(clause), "finally", _colon_line(clause))
            self._close(scope, "after")
        elif t == "with_statement":
            self._header(scope, s, self._with_line(s))
            self.suite(scope, self._body(s, "body"), "with", _colon_line(s))
            self._close(scope, "after")
        elif t == "match_statement":
            subject = s.child_by_field_name("subject")
            self._header(scope, s, _line(_unparen(subject).start_point) if subject is not None else None)
            body = s.child_by_field_name("body")
            cases = [c for c in body.named_children if c.type == "case_clause"] if body else []
            for case in cases:
                self._own_block(scope, "case", case, _line(case.start_point))
                self.suite(scope, self._body(case, "consequence"), "case_body", _colon_line(case))
            self._close(scope, "after")
        else:
            self.simple(scope, s, start, end)
            if t in _ENDS_BLOCK:
                self._close(scope, "unreachable")

    def simple(self, scope: _Scope, s: tree_sitter.Node, start: int, end: int) -> None:
        t = s.type
        if t in _NO_CODE:
            # No bytecode: never fires, but the lines still belong to the block.
            self._add(scope, start, end, None, "none")
            return
        strength, fire = "strong", start
        if t in ("assert_statement", "delete_statement") and s.named_child_count:
            # No instruction of their own on the keyword's line when they pass (3.10+):
            # `assert (\n  ok)` fires only the test's line.
            fire = _line(_unparen(s.named_children[0]).start_point)
        if t == "expression_statement" and s.named_child_count == 1:
            value = s.named_children[0]
            if value.type in _CONSTANT_EXPR:
                # Dropped by the compiler (3.9 fires no event); a function docstring never fires.
                first = scope.cur is None and not scope.blocks
                if first and self._is_docstring_node(s):
                    # A function docstring is not compiled into the body; a module docstring
                    # is stored into __doc__ and fires.
                    strength = "none" if scope.is_function else "strong"
                else:
                    strength = "weak"
            elif value.type == "parenthesized_expression":
                fire = _line(_unparen(value).start_point)
            elif value.type == "assignment" and value.child_by_field_name("right") is None and scope.is_function:
                strength = "weak"  # bare `x: int` in a function: an event on 3.10+ only
        self._add(scope, start, end, fire, strength)

    @staticmethod
    def _with_line(node: tree_sitter.Node) -> int:
        # 3.13 never fires the `with` line of `with (\n  a() as x,\n  b()):`; every version
        # fires the first context manager's line first.
        clause = next((c for c in node.named_children if c.type == "with_clause"), None)
        item = next((c for c in clause.named_children if c.type == "with_item"), None) if clause else None
        if item is None or not item.named_children:
            return _line(node.start_point)
        value = item.named_children[0]
        if value.type == "as_pattern" and value.named_children:
            value = value.named_children[0]
        return _line(_unparen(value).start_point)

    @staticmethod
    def _cond_line(node: tree_sitter.Node) -> int:
        cond = node.child_by_field_name("condition")
        return _line(_unparen(cond).start_point) if cond is not None else _line(node.start_point)

    def _body(self, node: tree_sitter.Node, field_name: str) -> list[tree_sitter.Node]:
        b = node.child_by_field_name(field_name)
        if b is None:
            return []
        if b.type == "block":
            return self._statements(b)
        return [b]

    def _clause_suite(self, clause: tree_sitter.Node) -> list[tree_sitter.Node]:
        for c in clause.named_children:
            if c.type == "block":
                return self._statements(c)
        return []
