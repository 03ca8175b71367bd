"""Find the tests that exercise a document in its project (DESIGN.md §1 step 2).

The project's own pytest collects (in a jailed child, ``--collect-only``
semantics, its ini options and plugins): we never guess test files with a regex.
A test module is selected when it can reach the document's module (the import
graph the child reports), refined by the per-test coverage map of earlier runs
(projectcache.py). Tests in the document itself run as one file-level id (its
buffer may hold tests the file on disk has not), and its doctests and
``__main__`` block are found statically from the buffer.
"""
from __future__ import annotations

import ast
import fnmatch
import glob
import hashlib
import os
import re
import threading
from dataclasses import dataclass, field

from tracefix import child, projectcache
from tracefix.config import Settings
from tracefix.contract import Rec
from tracefix.model import TestCase, is_failing, is_test, matches_test
from tracefix.project import Project, module_name

MAX_WALK_ENTRIES = 200_000
MAX_LINKS = 200
# Folders no collected test lives in whatever the project's norecursedirs says (pytest skips __pycache__
# and virtualenvs itself; the rest are installed packages, VCS data and tool caches).
ALWAYS_PRUNED = ("__pycache__", "site-packages", ".git", ".hg", ".tox", ".nox", ".venv", "venv", ".eggs",
                 ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules")


@dataclass
class Collection:
    """What the project's pytest collected, once per (project, environment) until its test files change."""

    tests: list[dict] = field(default_factory=list)  # {"id", "file", "line"}
    errors: list[dict] = field(default_factory=list)  # {"file", "message"}
    reach: dict[str, dict] = field(default_factory=dict)  # test file -> {"modules": [...], "files": [...]}
    doc_module: dict = field(default_factory=dict)
    pytest: str = ""
    problem: str = ""  # one line when collection itself could not run


@dataclass
class Tree:
    """What one walk of a project found (see ``scan``)."""

    files: list[tuple[str, os.stat_result]] = field(default_factory=list)  # wanted regular files, sorted
    links: list[str] = field(default_factory=list)  # symlinks to folders: pytest would follow them
    complete: bool = True  # False when the walk stopped at its entry limit


@dataclass
class Selection:
    tests: list[TestCase]
    notes: list[str] = field(default_factory=list)  # one line each, for the user
    errors: list[dict] = field(default_factory=list)  # collection errors that concern this document
    looked: str = ""  # where tests were looked for, for the "no tests" message
    collected: list[dict] = field(default_factory=list)  # every test the project's pytest collected
    problem: str = ""  # collection itself could not run (e.g. the project's pytest is too old)


def for_document(project: Project, python: str, path: str, text: str, settings: Settings,
                 cancel: threading.Event | None = None) -> Selection:
    """Every test of the project that can reach the document, failing-first and capped."""
    doc_rel = project.relative(path)
    module = module_name(path, project.import_roots)
    tree = parse_source(text)
    coll = collect(project, python, settings, path, cancel)
    looked = _where(project, settings)
    own = [TestCase(doc_rel, "pytest", os.path.realpath(path), 1)] if tree is not None and defines_tests(tree) else []
    picked = _reaching(coll, project, doc_rel, module)
    cases = [TestCase(t["id"], "pytest", os.path.join(project.root, t["file"]), t.get("line", 0))
             for t in picked if t["file"] != doc_rel]
    # A test file that failed to import may fail because of this very document: run it whole, so the
    # import error is reported (and located) like any failure.
    cases += [TestCase(e["file"], "pytest", os.path.join(project.root, e["file"]), 0)
              for e in coll.errors if e["file"] != doc_rel and e["file"].endswith(".py")
              and imports_module(project.root, e["file"], module)]
    notes = []
    cases, cap_note = _order_and_cap(project, cases, doc_rel, settings.max_tests)
    notes += [cap_note] if cap_note else []
    statics = static_tests(path, tree) if tree is not None else []
    if not cases and not own:
        notes += _doc_module_note(coll, path)
    else:
        statics = [t for t in statics if t.kind != "script"]  # a module's main block is no test when tests exist
    return Selection(own + cases + statics, notes, coll.errors[:20], looked, coll.tests, coll.problem)


def discover(path: str, text: str, settings: Settings | None = None) -> list[TestCase]:
    """The tests for a document, found in its project with tracefix's defaults (for scripts and tests)."""
    from tracefix import project as project_mod
    from tracefix.sandbox import resolve_python

    settings = settings or Settings()
    proj = project_mod.find(path, settings.python)
    python = resolve_python(proj.python)[0] or proj.python
    return for_document(proj, python, path, text, settings).tests


def collect(project: Project, python: str, settings: Settings, path: str,
            cancel: threading.Event | None = None) -> Collection:
    """The project's collection, from the cache when no test file, conftest or ini file changed."""
    paths = _collect_paths(project, settings, path)
    tree = scan(project.root, _fingerprinted_names(project), project.norecursedirs)
    fingerprint = _fingerprint(project, paths, python, tree)
    cached = projectcache.load_collection(project, fingerprint) if fingerprint else None
    if cached is not None:
        return Collection(**cached)
    ignores = [f"--ignore={rel}" for rel in tree.links]
    job = {"mode": "collect", "target": os.path.realpath(path), "module": module_name(path, project.import_roots),
           "sys_path": list(project.import_roots), "tests": [], "collect_paths": paths,
           "pytest_args": project.pytest_args() + ignores, "trace": False}
    # The file on disk, not the buffer: the collection is shared by every document of the project.
    outcome = child.run_job(project, python, job, settings, path, None, cancel)
    coll = _parse_collection(outcome)
    # A collection with import errors may be caused by a module that is not a test file (and so not in
    # the fingerprint): it is not kept, so the next run collects again once the user fixed it.
    if fingerprint and coll.tests and not coll.problem and not coll.errors and \
            not (cancel is not None and cancel.is_set()):
        projectcache.store_collection(project, fingerprint, coll.__dict__)
    return coll


def _parse_collection(outcome: child.JobOutcome) -> Collection:
    coll = Collection(problem=outcome.problem)  # a probe of another contract version: its one error
    for record in outcome.records:
        if isinstance(record.get(Rec.COLLECTED), dict):
            item = record[Rec.COLLECTED]
            coll.tests.append({"id": str(item.get("id", "")), "file": str(item.get("file", "")),
                               "line": int(item.get("line") or 0)})
        elif isinstance(record.get(Rec.COLLECT_ERROR), dict):
            err = record[Rec.COLLECT_ERROR]
            coll.errors.append({"file": str(err.get("file", "")), "message": str(err.get("message", ""))[:500]})
        elif isinstance(record.get(Rec.REACH), dict):
            r = record[Rec.REACH]
            coll.reach[str(r.get("file", ""))] = {"modules": list(r.get("modules", [])), "files": list(r.get("files", []))}
        elif isinstance(record.get(Rec.DOC_MODULE), dict):
            coll.doc_module = record[Rec.DOC_MODULE]
        elif Rec.PYTEST in record:
            coll.pytest = str(record.get(Rec.PYTEST) or "")
            if record.get(Rec.PYTEST_PROBLEM):
                coll.problem = str(record[Rec.PYTEST_PROBLEM])[:300]
        elif record.get(Rec.CRASH):
            coll.problem = "collecting the tests failed: " + str(record[Rec.CRASH]).strip().splitlines()[-1][:300]
    ch = outcome.child
    if not coll.problem and ch.timed_out:
        coll.problem = "collecting the tests did not finish in time (a test module that loops at import?)"
    elif not coll.problem and not any(Rec.DONE in r for r in outcome.records):
        tail = [line for line in ch.stderr.splitlines() if line.strip()]
        coll.problem = "collecting the tests failed: " + (tail[-1][:300] if tail else f"exit code {ch.returncode}")
    return coll


def _reaching(coll: Collection, project: Project, doc_rel: str, module: str) -> list[dict]:
    """Collected tests whose module can reach the document (the import graph)."""
    def reaches(test_file: str) -> bool:
        r = coll.reach.get(test_file)
        if r is None:
            return False
        return doc_rel in r["files"] or module in r["modules"]

    return [t for t in coll.tests if t["file"] == doc_rel or reaches(t["file"])]


def _order_and_cap(project: Project, cases: list[TestCase], doc_rel: str, cap: int) -> tuple[list[TestCase], str]:
    """Tests that failed last time first (the ones a fix is about), then those the coverage map saw execute
    the document, then the rest; at most ``cap``. The map only orders: a test it never saw run the file is
    still run when there is room (the map can be incomplete, and a dropped test is a bug never seen)."""
    last = projectcache.load_outcomes(project)
    executed = projectcache.load_coverage(project)

    def rank(case: TestCase) -> int:
        if is_failing(last.get(case.id)):
            return 0
        files = executed.get(case.id)
        return 1 if files is None or doc_rel in files else 2

    ordered = sorted(cases, key=rank)  # stable: collection order within a rank
    if len(ordered) <= cap:
        return ordered, ""
    return ordered[:cap], (f"ran {cap} of the {len(ordered)} tests that reach this file (failing first, then those "
                           f"seen running it); raise the maxTests setting (--max-tests) to run more")


def _doc_module_note(coll: Collection, path: str) -> list[str]:
    info = coll.doc_module or {}
    where = info.get("file") or ""
    same_module = info.get("name") == module_name(path, ()) or str(info.get("name", "")).endswith(
        "." + os.path.splitext(os.path.basename(path))[0])
    if where and same_module and os.path.realpath(where) != os.path.realpath(path):
        return [f"the tests import {info.get('name')} from {where}, not from this file: is the project installed "
                f"without `pip install -e .`?"]
    return []


def imports_module(root: str, rel: str, module: str) -> bool:
    """Whether a test file's imports can reach ``module`` (read statically: it failed to import)."""
    from tracefix.project import read_small

    text = read_small(os.path.join(root, rel))
    tree = parse_source(text) if text is not None else None
    if tree is None:
        return False
    stem = module.rsplit(".", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name == module or module.startswith(a.name + ".") for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: match by the last name only
                if base.rsplit(".", 1)[-1] == stem or any(a.name == stem for a in node.names):
                    return True
            elif base == module or module.startswith(base + ".") and base:
                return True
    return False


def _where(project: Project, settings: Settings) -> str:
    paths = settings.tests or project.testpaths
    origin = "the tests setting" if settings.tests else (os.path.basename(project.inifile) if project.testpaths else "")
    place = ", ".join(paths) if paths else "the whole project"
    return f"{place} under {project.root}" + (f" (from {origin})" if origin else "")


def _collect_paths(project: Project, settings: Settings, doc_path: str) -> list[str]:
    """Where pytest collects: the ``tests`` setting's globs, else pytest's testpaths (else the root), plus
    the document's own folder: tests kept next to a module count even outside testpaths."""
    out: list[str] = []
    for pattern in settings.tests:
        full = pattern if os.path.isabs(pattern) else os.path.join(project.root, pattern)
        matches = sorted(glob.glob(full, recursive=True))[:2000]
        out += [os.path.relpath(m, project.root) for m in matches]
    if settings.tests:
        return out
    out = [p for p in project.testpaths if os.path.exists(os.path.join(project.root, p))] or ["."]
    folder = os.path.relpath(os.path.dirname(os.path.realpath(doc_path)), project.root)
    if not any(folder == p or p == "." or folder.startswith(p.rstrip("/") + "/") for p in out):
        out.append(folder)
    return out


def _fingerprinted_names(project: Project) -> list[str]:
    """File-name patterns whose change changes the collection: test files, conftest.py, the ini file."""
    return ["conftest.py", *project.python_files] + ([os.path.basename(project.inifile)] if project.inifile else [])


def _fingerprint(project: Project, paths: list[str], python: str, tree: Tree) -> str:
    """Changes when a test file, a conftest.py or the ini file changes (name, size or mtime); "" when the
    walk was cut short (a change beyond the limit would go unseen: such a project is never cached)."""
    if not tree.complete:
        return ""
    digest = hashlib.sha256()
    digest.update("\0".join([python, project.inifile, *paths]).encode("utf-8", "surrogateescape"))
    for rel, st in tree.files:
        digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _name_matcher(patterns: list[str]):
    """One compiled regex for a list of fnmatch patterns (one call per name instead of one per pattern)."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns) or "(?!)").match


def scan(root: str, wanted: list[str], norecursedirs: list[str] | tuple[str, ...] = (),
         limit: int = MAX_WALK_ENTRIES) -> Tree:
    """The regular files under ``root`` whose name matches a ``wanted`` pattern (with their stat), and
    the symlinks to folders, in one pass over the folders pytest would recurse into.

    Bounded: never follows a symlink (no loops, no escape out of the project), never opens or stats a
    file it does not want (FIFOs and devices are at most stat'ed, never opened), prunes a folder before
    listing it (``norecursedirs`` patterns, ``ALWAYS_PRUNED``, virtualenvs), and stops after ``limit``
    entries. Names are matched before any system call: a folder of 10,000 other files costs one
    listing and no stat."""
    is_wanted = _name_matcher(list(wanted))
    is_pruned = _name_matcher([*norecursedirs, *ALWAYS_PRUNED])
    tree = Tree()
    stack = [("", root)]  # (path relative to root with a trailing "/", absolute folder)
    seen = 0
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        seen += len(entries)
        if seen > limit:
            tree.complete = False
            entries = entries[:len(entries) - (seen - limit)]
            stack.clear()
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not is_pruned(name) and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        stack.append((prefix + name + "/", entry.path))
                elif entry.is_symlink():
                    if len(tree.links) < MAX_LINKS and entry.is_dir():
                        tree.links.append(prefix + name)
                elif is_wanted(name) and entry.is_file(follow_symlinks=False):
                    tree.files.append((prefix + name, entry.stat(follow_symlinks=False)))
            except OSError:
                continue
    tree.files.sort(key=lambda item: item[0])
    tree.links.sort()
    return tree


def match(wanted: str, tests: list[TestCase], collected: list[dict], project: Project, cwd: str,
          doc_path: str) -> tuple[list[TestCase], str]:
    """The tests a user-given id names: a pytest node id relative to the project root or to ``cwd``, matched
    exactly including the file path (a bare test name must be unambiguous); also "doctest:..." and "__main__"."""
    statics = [t for t in tests if t.kind != "pytest" and t.id == wanted]
    if statics:
        return statics, ""
    path_part, sep, rest = wanted.partition("::")
    candidates = {t["id"]: t for t in collected}
    for t in tests:
        candidates.setdefault(t.id, {"id": t.id, "file": project.relative(t.file), "line": t.line})
    if not sep:  # a file, or a bare test name
        as_file = _as_root_relative(path_part, project, cwd)
        if as_file is not None:
            hits = [c for c in candidates.values() if c["file"] == as_file]
            return _cases(hits or [{"id": as_file, "file": as_file, "line": 0}], project), ""
        # Node ids only: a bare name never means a doctest ("doctest:fn") here; statics matched exactly above.
        hits = [c for c in candidates.values() if c["id"] == wanted or "::" in c["id"] and matches_test(c["id"], wanted)]
        if len({h["file"] for h in hits}) > 1:
            names = ", ".join(sorted(h["id"] for h in hits)[:5])
            return [], f"'{wanted}' names tests in several files ({names}); give the full node id"
        return _cases(hits, project), ""
    rel = _as_root_relative(path_part, project, cwd)
    if rel is None:
        return [], f"no such test file: {path_part} (node ids are relative to {project.root} or the current folder)"
    full = f"{rel}::{rest}"
    exact = [c for c in candidates.values() if c["id"] == full]
    if not exact and "[" not in rest:  # a parametrized test named without its parameters: all its cases
        exact = [c for c in candidates.values() if c["id"].startswith(full + "[") or c["id"].startswith(full + "::")]
    if not exact and os.path.realpath(os.path.join(project.root, rel)) == os.path.realpath(doc_path):
        exact = [{"id": full, "file": rel, "line": 0}]  # a test in the buffer the collection has not seen
    if not exact and "[" in rest and any(c["id"] == full.split("[")[0] for c in candidates.values()):
        exact = [{"id": full, "file": rel, "line": 0}]  # a parametrized case pytest will expand
    return _cases(exact, project), ""


def _as_root_relative(path_part: str, project: Project, cwd: str) -> str | None:
    for base in (cwd, project.root):
        full = os.path.realpath(os.path.join(base, path_part))
        if os.path.isfile(full) and (full + os.sep).startswith(project.root + os.sep):
            return os.path.relpath(full, project.root).replace(os.sep, "/")
    return None


def _cases(items: list[dict], project: Project) -> list[TestCase]:
    return [TestCase(i["id"], "pytest", os.path.join(project.root, i["file"]), i.get("line", 0)) for i in items]


def parse_source(text: str) -> ast.Module | None:
    """The module's AST, or None when it does not parse (half-typed code is normal here)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def defines_tests(tree: ast.Module) -> bool:
    """Test functions or Test classes at the top of the module (what pytest would collect by default)."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_test(node.name):
            return True
        if isinstance(node, ast.ClassDef) and (node.name.startswith("Test") or _is_testcase(node)):
            return True
    return False


def _is_testcase(node: ast.ClassDef) -> bool:
    return any((isinstance(b, ast.Attribute) and b.attr == "TestCase") or (isinstance(b, ast.Name) and b.id == "TestCase")
               for b in node.bases)


def static_tests(path: str, tree: ast.Module) -> list[TestCase]:
    """Doctests and the ``__main__`` block of the buffer."""
    file = os.path.realpath(path)
    return _doctests(tree, file) + _script(tree, file)


def _doctests(tree: ast.Module, file: str) -> list[TestCase]:
    out = []
    doc = ast.get_docstring(tree, clean=False)
    module = os.path.splitext(os.path.basename(file))[0]
    if doc and ">>>" in doc:
        out.append(TestCase(f"doctest:{module}", "doctest", file, 1))

    def visit(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qual = prefix + node.name
                doc = ast.get_docstring(node, clean=False)
                if doc and ">>>" in doc:
                    out.append(TestCase(f"doctest:{qual}", "doctest", file, node.lineno))
                if isinstance(node, ast.ClassDef):
                    visit(node.body, qual + ".")

    visit(tree.body, "")
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
