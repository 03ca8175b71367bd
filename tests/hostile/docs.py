"""The issue-12 hostile documents and folders, written on demand into a test's own folder.

Cross-run documents get ``CONFIG`` (the test suite's own PID namespace, so attacks never
leave the sandbox) and the victims.py helpers prepended. Shared by the tests in
tests/hostile/test_hostile_*.py and bench/hostile.py.
"""
from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent


def outer_ns() -> str:
    return os.readlink("/proc/self/ns/pid") if os.path.exists("/proc/self/ns/pid") else ""


def attack(folder: Path, template: str, name: str | None = None) -> Path:
    """A cross-run document: CONFIG + victims.py + the template, saved as ``name`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or template)
    config = {"outer_ns": outer_ns()}
    path.write_text(f"CONFIG = {config!r}\n" + (HERE / "victims.py").read_text() + "\n\n"
                    + (HERE / template).read_text())
    return path


# -- honest outcomes: a test that ends the session, the process or the interpreter -------------------

ENDINGS = {
    "keyboard_interrupt": "raise KeyboardInterrupt",
    "sigint_to_self": "os.kill(os.getpid(), signal.SIGINT)",
    "system_exit_0": "raise SystemExit(0)",
    "system_exit_3": "sys.exit(3)",
    "os_exit_0": "os._exit(0)",
    "os_exit_1": "os._exit(1)",
    "pytest_exit_0": "import pytest; pytest.exit('bye', returncode=0)",
}

ENDING_DOC = '''import os
import signal
import sys


def double(x):
    return x * 2


def test_a():
    assert double(1) == 2


def test_ends():
    {ending}


def test_c():
    assert double(3) == 6
'''


def ending(folder: Path, kind: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}.py"
    path.write_text(ENDING_DOC.format(ending=ENDINGS[kind]))
    return path


# -- bounded: folders that make a naive discovery or mirror hang or run away ------------------------

DOC = '''def double(x):
    return x * 2


def test_own():
    assert double(2) == 4
'''
SIBLING = '''from doc import double


def test_sibling():
    assert double(3) == 7
'''
# What a correct run reports for every bounded folder: the document's test and its sibling's.
BOUNDED_OUTCOMES = {"test_own": "passed", "test_sibling": "failed"}  # by test name (world.Cli.by_name)


def _project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.py").write_text(DOC)
    (folder / "test_doc.py").write_text(SIBLING)
    return folder / "doc.py"


def plain(folder: Path) -> Path:
    """The same document and sibling test with nothing hostile around them: the baseline."""
    return _project(folder)


def fifo(folder: Path) -> Path:
    """FIFOs named like test files, where discovery and the mirror look (nobody ever writes to them)."""
    doc = _project(folder)
    (folder / "tests").mkdir()
    for p in (folder / "test_x.py", folder / "tests" / "test_x.py", folder / "tests" / "conftest.py"):
        os.mkfifo(p)
    return doc


def symlink_loop(folder: Path) -> Path:
    """tests/a -> . and tests/b -> .. : endless folders for anything that follows links."""
    doc = _project(folder)
    (folder / "tests").mkdir()
    os.symlink(".", folder / "tests" / "a")
    os.symlink("..", folder / "tests" / "b")
    os.symlink(str(folder), folder / "loop")
    return doc


def symlink_out(folder: Path) -> Path:
    """tests/data -> /usr: a mirror that follows it copies a whole system folder."""
    doc = _project(folder)
    (folder / "tests").mkdir()
    os.symlink("/usr", folder / "tests" / "data")
    os.symlink("/usr/lib", folder / "usrlib")
    return doc


def many_files(folder: Path, n: int = 10_000) -> Path:
    """The document and its sibling test in a folder of ``n`` other Python files that sort first."""
    doc = _project(folder)
    for i in range(n):
        (folder / f"a{i:05d}.py").write_text(f"X = {i}\n")
    return doc


def flood(folder: Path) -> Path:
    return attack(folder, "floods_tracefix.py", "flood.py")


def forge(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "forge.py"
    path.write_text((HERE / "forges_results.py").read_text())
    return path


TIMEOUT_LEFTOVERS = '''import os


def test_leaves_segments_then_hangs():
    for folder in ("/dev/shm", "/tmp"):
        try:
            with open(os.path.join(folder, "tracefix-hostile-{token}"), "w") as f:
                f.write("left behind")
        except OSError:  # a sandbox that refuses the write is fine; the hang must still come
            pass
    while True:
        pass
'''


def timeout_leftovers(folder: Path, token: str) -> Path:
    """A test that plants token-named files in /dev/shm and /tmp, then runs into the timeout."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hangs.py"
    path.write_text(TIMEOUT_LEFTOVERS.replace("{token}", token))
    return path
