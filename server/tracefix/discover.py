"""Find the tests that exercise a document (DESIGN.md §1 step 2).

Static and cheap: nothing is imported or run here. Parametrized cases are only
known once pytest collects them in the child, so a discovered pytest test may
report several results ("test_mean[values0-2.5]", ...).
"""
from __future__ import annotations

import ast
import os
import re

from tracefix.model import TestCase

MAX_TEST_FILE_BYTES = 2_000_000


def discover(path: str, text: str) -> list[TestCase]:
    """Tests for the document at ``path`` whose current text is ``text``."""
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    module = os.path.splitext(name)[0]
    tree = parse_source(text)
    tests: list[TestCase] = []
    if tree is not None:
        tests += _pytest_tests(tree, name, name)
    for rel in sibling_test_files(path):
        if rel == name:
            continue
        sibling = _read(os.path.join(folder, rel))
        sibling_tree = parse_source(sibling) if sibling is not None else None
        if sibling_tree is not None:
            tests += _pytest_tests(sibling_tree, rel, rel)
    if tree is not None:
        tests += _doctests(tree, module, name)
        tests += _script(tree, name)
    return tests


def sibling_test_files(path: str) -> list[str]:
    """Test files (relative to the document's folder) that import the document's module."""
    folder = os.path.dirname(os.path.abspath(path))
    module = os.path.splitext(os.path.basename(path))[0]
    found = []
    for sub in ("", "tests", "test"):
        directory = os.path.join(folder, sub)
        if not os.path.isdir(directory):
            continue
        for entry in sorted(os.listdir(directory)):
            if not entry.endswith(".py") or not (entry.startswith("test_") or entry.endswith("_test.py")):
                continue
            full = os.path.join(directory, entry)
            text = _read(full)
            if text is not None and imports_module(text, module):
                found.append(os.path.join(sub, entry) if sub else entry)
    return found


def imports_module(text: str, module: str) -> bool:
    pattern = rf"^\s*(from\s+(\.|\w+\.)*{re.escape(module)}\s+import\b|import\s+([\w.]+\s*,\s*)*(\w+\.)*{re.escape(module)}\b)"
    return re.search(pattern, text, re.MULTILINE) is not None


def select(tests: list[TestCase], wanted: str) -> list[TestCase]:
    """The tests matching a user-given id: exact, by name, or one parametrized case."""
    exact = [t for t in tests if t.id == wanted]
    if exact:
        return exact
    base, bracket, _ = wanted.partition("[")
    out = []
    for t in tests:
        if t.id.endswith("::" + base) or t.id == base or t.id.split("::")[-1] == base.split("::")[-1]:
            if t.kind == "pytest" and bracket:
                prefix = t.id.rsplit("::", 1)[0]
                out.append(TestCase(f"{prefix}::{wanted.split('::')[-1]}", t.kind, t.file, t.line))
            else:
                out.append(t)
    return out


def _read(full: str) -> str | None:
    try:
        if os.path.getsize(full) > MAX_TEST_FILE_BYTES:
            return None
        with open(full, "rb") as f:
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return None


def parse_source(text: str) -> ast.Module | None:
    """The module's AST, or None when it does not parse (half-typed code is normal here)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _pytest_tests(tree: ast.Module, rel: str, file: str) -> list[TestCase]:
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            out.append(TestCase(f"{rel}::{node.name}", "pytest", file, node.lineno))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    out.append(TestCase(f"{rel}::{node.name}::{item.name}", "pytest", file, item.lineno))
    return out


def _doctests(tree: ast.Module, module: str, file: str) -> list[TestCase]:
    out = []
    doc = ast.get_docstring(tree, clean=False)
    if doc and ">>>" in doc:
        out.append(TestCase(f"doctest:{module}", "doctest", file, 1))

    def walk(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qual = prefix + node.name
                doc = ast.get_docstring(node, clean=False)
                if doc and ">>>" in doc:
                    out.append(TestCase(f"doctest:{qual}", "doctest", file, node.lineno))
                if isinstance(node, ast.ClassDef):
                    walk(node.body, qual + ".")

    walk(tree.body, "")
    return out


def _script(tree: ast.Module, file: str) -> list[TestCase]:
    """Top-level asserts and the ``__main__`` block make the module itself a test."""
    for node in tree.body:
        if isinstance(node, ast.Assert):
            return [TestCase("__main__", "script", file, node.lineno)]
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            return [TestCase("__main__", "script", file, node.lineno)]
    return []


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")
