"""Tests held back from tracefix, so that "fix correct" is judged on tests it never validated on.

For each bug a seeded share of the tests that passed on the pristine code is hidden from the tool (at
least one test that catches the bug stays visible, or there would be nothing to debug). While
tracefix runs, a root ``conftest.py`` deselects the hidden ids in every pytest the project starts
(tracefix's collection and its test runs alike); the judging runs afterwards see the whole suite.
"""
from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from bench.projects.corpus import write_source

MARK = "# tfbench: tests held back from the tool under test (bench/projects/holdout.py)"


def hidden_tests(passed: list[str], must_see: list[str], share: float, seed: str) -> set[str]:
    """The ids to hide: each passing test with probability ``share`` (a hash of ``seed`` and its id),
    except the first of ``must_see`` (a test known to catch the bug), which stays visible."""
    if share <= 0:
        return set()
    hidden = {t for t in passed if _unit(f"{seed}\0{t}") < share}
    keep = next((t for t in must_see if t in passed), None)
    hidden.discard(keep)
    return hidden


def _unit(key: str) -> float:
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) / float(16 ** 12)


def conftest_text(original: str | None, hidden: set[str]) -> str:
    """``original`` (the project's root conftest, if any) plus a hook that deselects ``hidden``."""
    hook = "\n".join([
        MARK,
        f"_TFBENCH_HIDDEN = frozenset({sorted(hidden)!r})",
        "",
        "",
        "def pytest_collection_modifyitems(config, items):",
        "    gone = [item for item in items if item.nodeid in _TFBENCH_HIDDEN]",
        "    if gone:",
        "        config.hook.pytest_deselected(items=gone)",
        "        items[:] = [item for item in items if item.nodeid not in _TFBENCH_HIDDEN]",
        "",
    ])
    if original and "def pytest_collection_modifyitems" in original:
        raise ValueError("the project's root conftest.py has its own pytest_collection_modifyitems")
    return (original.rstrip("\n") + "\n\n\n" if original else "") + hook


@contextlib.contextmanager
def held_back(root: Path, hidden: set[str]):
    """Inside the block, the project's pytest never collects ``hidden``; the tree is restored after."""
    if not hidden:
        yield
        return
    path = root / "conftest.py"
    original = path.read_text() if path.exists() else None
    write_source(path, conftest_text(original, hidden))
    try:
        yield
    finally:
        if original is None:
            path.unlink()
        else:
            write_source(path, original)


def remove_leftover(root: Path, pristine: Path) -> bool:
    """Undo the conftest of an interrupted run (``held_back`` never reached its ``finally``)."""
    path = root / "conftest.py"
    if not path.exists() or MARK not in path.read_text():
        return False
    if (pristine / "conftest.py").exists():
        write_source(path, (pristine / "conftest.py").read_text())
    else:
        path.unlink()
    return True
