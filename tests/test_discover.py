"""Finding a document's tests in its project: pytest's own collection (in a real child), the import graph,
node-id matching, and a project walk that no FIFO, symlink loop or huge folder can stall."""
import os
import time

import pytest

from tracefix import discover, project


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


CALC = '''"""Calc.

>>> add(1, 2)
3
"""
def add(a, b):
    """
    >>> add(2, 2)
    4
    """
    return a + b

class Acc:
    def total(self):
        """>>> Acc().total()
        0
        """
        return 0

def test_inline():
    assert add(1, 1) == 2

if __name__ == "__main__":
    print(add(1, 2))
'''


def test_collects_importing_tests_anywhere_the_doc_itself_and_its_doctests(tmp_path):
    doc = write(tmp_path, "calc.py", CALC)
    write(tmp_path, "pytest.ini", "[pytest]\n")
    write(tmp_path, "test_calc.py", "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    write(tmp_path, "calc_test.py", "import calc\n\ndef test_other():\n    assert calc.add(1, 2) == 3\n")
    write(tmp_path, "tests/deep/test_more.py", "from calc import add\n\ndef test_more():\n    pass\n")
    write(tmp_path, "tests/test_unrelated.py", "import json\n\ndef test_no():\n    pass\n")
    ids = [t.id for t in discover.discover(str(doc), doc.read_text())]
    # The document's own tests run as one file-level id: its buffer may hold tests the disk has not.
    assert ids[0] == "calc.py"
    assert sorted(ids[1:4]) == ["calc_test.py::test_other", "test_calc.py::test_add", "tests/deep/test_more.py::test_more"]
    assert ids[4:] == ["doctest:calc", "doctest:add", "doctest:Acc.total"]  # no __main__ once tests exist


def test_top_level_assert_makes_a_script_test_when_nothing_else_does(tmp_path):
    doc = write(tmp_path, "m.py", "def f():\n    return 1\n\nassert f() == 2\n")
    tests = discover.discover(str(doc), doc.read_text())
    assert [(t.id, t.kind, t.line) for t in tests] == [("__main__", "script", 4)]


def test_unparsable_document_still_finds_the_tests_that_import_it(tmp_path):
    doc = write(tmp_path, "m.py", "def f(:\n")
    write(tmp_path, "test_m.py", "from m import f\n\ndef test_f():\n    assert f()\n")
    # The module cannot be imported, so its test file is a collection error: it is run whole.
    assert [t.id for t in discover.discover(str(doc), doc.read_text())] == ["test_m.py"]


def test_match_is_exact_on_the_path_and_relative_to_root_or_cwd(tmp_path):
    doc = write(tmp_path, "pkg/m.py", "def f():\n    return 1\n")
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "setup.py", "")
    write(tmp_path, "tests/a/test_m.py", "from pkg.m import f\n\ndef test_x():\n    assert f()\n")
    write(tmp_path, "tests/b/test_m2.py", "from pkg.m import f\n\ndef test_x():\n    assert f()\n")
    proj = project.find(str(doc))
    sel = discover.for_document(proj, proj.python, str(doc), doc.read_text(), discover.Settings())
    ids = lambda found: [t.id for t in found[0]]  # noqa: E731
    assert ids(discover.match("tests/a/test_m.py::test_x", sel.tests, sel.collected, proj, str(tmp_path), str(doc))) \
        == ["tests/a/test_m.py::test_x"]
    assert ids(discover.match("test_m.py::test_x", sel.tests, sel.collected, proj, str(tmp_path / "tests/a"),
                              str(doc))) == ["tests/a/test_m.py::test_x"]
    found, why = discover.match("test_x", sel.tests, sel.collected, proj, str(tmp_path), str(doc))
    assert found == [] and "several files" in why
    found, why = discover.match("tests/c/test_m.py::test_x", sel.tests, sel.collected, proj, str(tmp_path), str(doc))
    assert found == [] and "no such test file" in why


def test_root_is_found_like_pytest_finds_its_rootdir(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.pytest.ini_options]\ntestpaths = ['tests']\naddopts = '-x -n 4 -p pytest_mock --strict-markers -m \"not slow\"'\n")
    write(tmp_path, "src/pkg/__init__.py", "")
    doc = write(tmp_path, "src/pkg/sub/mod.py", "")
    write(tmp_path, "src/pkg/sub/__init__.py", "")
    proj = project.find(str(doc))
    assert proj.root == str(tmp_path) and proj.inifile.endswith("pyproject.toml")
    assert proj.testpaths == ["tests"]
    assert proj.pytest_args() == ["-p", "pytest_mock", "--strict-markers", "-m", "not slow"]
    assert project.module_name(str(doc), proj.import_roots) == "pkg.sub.mod"
    assert proj.import_roots[0] == str(tmp_path / "src")


def test_setup_cfg_tox_ini_and_a_vcs_root(tmp_path):
    write(tmp_path, "a/setup.cfg", "[tool:pytest]\npython_files = tests_*.py\n")
    assert project.find(str(write(tmp_path, "a/pkg/x.py", ""))).python_files == ["tests_*.py"]
    write(tmp_path, "b/tox.ini", "[tox]\n[pytest]\naddopts = -q\n")
    assert project.find(str(write(tmp_path, "b/x.py", ""))).root == str(tmp_path / "b")
    (tmp_path / "c" / ".git").mkdir(parents=True)
    assert project.find(str(write(tmp_path, "c/deep/er/x.py", ""))).root == str(tmp_path / "c")


def test_project_venv_is_the_default_interpreter_and_keys_differ_per_venv(tmp_path):
    write(tmp_path, "setup.py", "")
    venv_python = write(tmp_path, ".venv/bin/python", "")
    write(tmp_path, ".venv/pyvenv.cfg", "home = /usr/bin\n")
    doc = write(tmp_path, "m.py", "")
    proj = project.find(str(doc))
    assert proj.python == str(venv_python) and proj.python_source == "project venv"
    assert proj.key() != project.find(str(doc), "/usr/bin/python3").key()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_walk_never_opens_fifos_or_follows_symlink_loops(tmp_path):
    write(tmp_path, "pytest.ini", "[pytest]\n")
    os.mkfifo(tmp_path / "test_fifo.py")
    os.mkfifo(tmp_path / "conftest.py")
    (tmp_path / "tests").mkdir()
    os.symlink(tmp_path, tmp_path / "tests" / "loop")
    os.symlink("/usr", tmp_path / "tests" / "data")
    for i in range(10_000):
        (tmp_path / "tests" / f"f{i}.txt").write_text("")
    started = time.monotonic()
    tree = discover.scan(str(tmp_path), ["test_*.py", "conftest.py", "pytest.ini", "*.txt"])
    assert time.monotonic() - started < 30  # a hang guard only; bench/hostile.py measures the time
    assert [rel for rel, _ in tree.files] == ["pytest.ini"] + sorted(f"tests/f{i}.txt" for i in range(10_000))
    assert tree.links == ["tests/data", "tests/loop"] and tree.complete
    assert project.read_small(str(tmp_path / "conftest.py")) is None


def test_scan_prunes_what_pytest_never_collects_before_listing_it(tmp_path):
    for rel in ("tests/test_a.py", "pkg/test_h.py", "build/test_b.py", ".hidden/test_c.py", "x.egg/test_g.py",
                "node_modules/x/test_d.py", "env1/test_e.py", "env1/pyvenv.cfg", "pkg/__pycache__/test_f.py"):
        write(tmp_path, rel, "")
    default = discover.scan(str(tmp_path), ["test_*.py"], project.NORECURSEDIRS)
    assert [rel for rel, _ in default.files] == ["pkg/test_h.py", "tests/test_a.py"]
    # A project's norecursedirs replaces pytest's default, as in pytest; caches and venvs stay pruned.
    write(tmp_path, "pytest.ini", "[pytest]\nnorecursedirs = tests\n")
    proj = project.find(str(tmp_path / "pkg" / "test_h.py"))
    assert proj.norecursedirs == ["tests"]
    custom = discover.scan(str(tmp_path), ["test_*.py"], proj.norecursedirs)
    assert [rel for rel, _ in custom.files] == [".hidden/test_c.py", "build/test_b.py", "pkg/test_h.py",
                                               "x.egg/test_g.py"]


def test_a_walk_cut_at_its_limit_is_never_a_cache_key(tmp_path):
    for i in range(100):
        write(tmp_path, f"d{i % 3}/test_{i}.py", "")
    whole = discover.scan(str(tmp_path), ["test_*.py"])
    cut = discover.scan(str(tmp_path), ["test_*.py"], limit=50)
    assert whole.complete and len(whole.files) == 100
    assert not cut.complete and len(cut.files) < 50
    proj = project.find(str(tmp_path / "d0" / "test_0.py"))
    assert discover._fingerprint(proj, ["."], "python", whole) != ""
    assert discover._fingerprint(proj, ["."], "python", cut) == ""


def test_imports_module_reads_a_broken_test_file_statically(tmp_path):
    write(tmp_path, "tests/test_a.py", "from pkg.sub import mod\nimport nothing_here\n")
    write(tmp_path, "tests/test_b.py", "import pkg\n")
    write(tmp_path, "tests/test_c.py", "import pkgx.sub.mod\n")
    assert discover.imports_module(str(tmp_path), "tests/test_a.py", "pkg.sub.mod")
    assert discover.imports_module(str(tmp_path), "tests/test_b.py", "pkg.sub.mod")
    assert not discover.imports_module(str(tmp_path), "tests/test_c.py", "pkg.sub.mod")
