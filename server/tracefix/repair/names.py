"""Name repairs read off the runtime: an attribute that does not exist on the value's real type, and a
call whose arguments do not fit the callee's signature.

Nothing is guessed from spelling alone: the attribute names come from ``dir()`` of the type the
exception names (a builtin type, a class of the document, or a standard-library module), the
parameter names from the callee's definition in the document or ``inspect.signature`` of a builtin.
"""
from __future__ import annotations

import ast
import builtins
import difflib
import importlib
import inspect
import re
import sys
from typing import Iterator

from tracefix.repair.context import Context
from tracefix.repair.candidate import Candidate

BUILTIN_TYPES = (list, dict, str, set, tuple, bytes, int, float, frozenset)


# ---------------------------------------------------------------- attributes

def attribute_name(ctx: Context, stmt: ast.stmt, exc: dict) -> Iterator[Candidate]:
    """`'str' object has no attribute 'uper'` → `.upper`, the closest name the type really has."""
    if exc.get("type") != "AttributeError":
        return
    message = exc.get("message") or ""
    m = re.search(r"has no attribute '(\w+)'", message)
    if not m:
        return
    wrong = m.group(1)
    names = _attributes_named_in(ctx, message)
    if not names:
        return
    hint = re.search(r"Did you mean: '(\w+)'", message)
    pool = [n for n in names if not n.startswith("__") or wrong.startswith("__")]
    choices = [hint.group(1)] if hint and hint.group(1) in names else []
    choices += [n for n in difflib.get_close_matches(wrong, pool, n=3, cutoff=0.6) if n not in choices]
    for node in ast.walk(stmt):
        if isinstance(node, ast.Attribute) and node.attr == wrong:
            _, end = ctx.src.span(node)
            for i, name in enumerate(choices):
                yield Candidate(end - len(wrong), end, name, "attribute_name", node.lineno, wrong, name,
                                f"Use `.{name}` (what the value's type has) instead of `.{wrong}`",
                                1.2 - 0.2 * i)


def _attributes_named_in(ctx: Context, message: str) -> set[str]:
    """Attribute names of the type or module an AttributeError message names ('' when unknown)."""
    m = re.match(r"module '([\w.]+)' has no attribute", message)
    if m:
        return _module_names(m.group(1))
    m = re.match(r"(?:type object|'?)'?(\w+)'? (?:object )?has no attribute", message)
    if not m or m.group(1) == "NoneType":
        return set()  # a None where a value was expected is a guard's job, not a rename's
    name = m.group(1)
    known = getattr(builtins, name, None)
    if isinstance(known, type):
        return set(dir(known))
    return class_attributes(ctx.tree, name)


def _module_names(name: str) -> set[str]:
    """Names of a standard-library module (importing one runs no user code)."""
    if name.split(".")[0] not in getattr(sys, "stdlib_module_names", ()):
        return set()
    try:
        return set(dir(importlib.import_module(name)))
    except Exception:  # noqa: BLE001 - a module that fails to import has nothing to offer
        return set()


def class_attributes(tree: ast.AST, name: str, depth: int = 0) -> set[str]:
    """What instances of the document's class ``name`` have: methods, class attributes, `self.x`
    assignments, the same of its bases in the document, and a builtin base's names."""
    cls = next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name), None)
    if cls is None or depth > 5:
        return set()
    out = set(dir(object))
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out |= {t.id for t in targets if isinstance(t, ast.Name)}
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name) and node.value.id == "self":
            out.add(node.attr)
    for base in cls.bases:
        if isinstance(base, ast.Name):
            known = getattr(builtins, base.id, None)
            out |= set(dir(known)) if isinstance(known, type) else class_attributes(tree, base.id, depth + 1)
    return out


# ---------------------------------------------------------------- call signatures

def call_arguments(ctx: Context, stmt: ast.stmt, exc: dict) -> Iterator[Candidate]:
    """Calls whose arguments the callee's signature rejected: a missing argument an in-scope variable
    of the same name can supply, a misspelt keyword, or one argument too many."""
    if exc.get("type") != "TypeError":
        return
    message = exc.get("message") or ""
    m = re.match(r"([\w.]+)\(\) (missing|got an unexpected keyword argument|takes)", message) or \
        re.match(r"'(\w+)' is an (invalid) keyword argument for ([\w.]+)\(\)", message)
    if not m:
        return
    if m.group(2) == "invalid":
        callee, kind, bad = m.group(3), "keyword", m.group(1)
    else:
        callee, kind = m.group(1), m.group(2)
        bad = (re.findall(r"'(\w+)'", message) or [""])[-1]
    short = callee.split(".")[-1]
    params = signature_names(ctx.tree, short)
    scope = ctx.scope_names(ctx.function_of(stmt))
    for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call) and _called_name(n) == short):
        if kind == "missing":
            yield from _add_missing(ctx, call, re.findall(r"'(\w+)'", message), scope, "keyword-only" in message)
        elif kind in ("keyword", "got an unexpected keyword argument"):
            yield from _rename_keyword(ctx, call, bad, params)
        elif kind == "takes":
            yield from _drop_argument(ctx, call)


def _called_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def signature_names(tree: ast.AST, name: str) -> list[str]:
    """Parameter names of the function or method ``name``: from the document, else a builtin's."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            a = node.args
            return [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    for owner in (builtins, *BUILTIN_TYPES):
        fn = getattr(owner, name, None)
        if callable(fn):
            try:
                return list(inspect.signature(fn).parameters)
            except (TypeError, ValueError):
                continue
    return []


def _add_missing(ctx: Context, call: ast.Call, missing: list[str], scope: list[str],
                 keyword_only: bool) -> Iterator[Candidate]:
    supplied = [name for name in missing if name in scope]
    if not supplied or len(supplied) != len(missing):
        return  # no variable of that name: which value is meant is a guess
    keyword = keyword_only or bool(call.keywords)
    text = ", ".join(f"{n}={n}" if keyword else n for n in supplied)
    has_args = bool(call.args or call.keywords)
    _, end = ctx.src.span(call)
    at = end - 1  # before the closing parenthesis
    insert = (", " + text) if has_args else text
    yield Candidate(at, at, insert, "call_arguments", call.lineno, "", text,
                    f"Pass `{text}` to `{_called_name(call)}`, as its signature requires", 1.0)


def _rename_keyword(ctx: Context, call: ast.Call, bad: str, params: list[str]) -> Iterator[Candidate]:
    kw = next((k for k in call.keywords if k.arg == bad), None)
    if kw is None:
        return
    a = ctx.src.offset(kw.lineno, kw.col_offset)
    for i, name in enumerate(difflib.get_close_matches(bad, [p for p in params if p != "self"], n=2, cutoff=0.5)):
        yield Candidate(a, a + len(bad), name, "call_arguments", call.lineno, bad, name,
                        f"Use the keyword `{name}` (a parameter of `{_called_name(call)}`) instead of `{bad}`",
                        1.0 - 0.2 * i)


def _drop_argument(ctx: Context, call: ast.Call) -> Iterator[Candidate]:
    args = call.args
    for i, arg in enumerate(args):
        a, b = ctx.src.span(arg)
        if i + 1 < len(args):
            b = ctx.src.span(args[i + 1])[0]
        elif i > 0:
            a = ctx.src.span(args[i - 1])[1]
        yield Candidate(a, b, "", "call_arguments", call.lineno, ctx.src.text[a:b], "",
                        f"Drop the argument `{ctx.src.get(arg)}` of `{_called_name(call)}`", 0.4)
