"""Real projects (issue 11): `tracefix debug` on small but realistic repositories, black-box.

Every test copies one sample project from ``tests/projects/`` into a temporary folder (never the
checked-in tree) and runs the real console script exactly as a user would: ``tracefix debug
<path/to/module.py> --json [--python <project venv>]`` with the project root as the current folder
unless the test says otherwise. Only the exit code, stdout (the schema-1 report) and stderr are
looked at. The sample projects, each with a deliberate one-line bug that one of its tests catches:

  src_layout     pyproject.toml [tool.pytest.ini_options], src/invoicing/, tests/ with a conftest fixture;
                 nothing installed and no ``pythonpath`` option: tracefix must find ``src/`` itself
  flat_mirror    pytest.ini, units/convert/length.py importing the sibling subpackage units.system,
                 tests/convert/test_length.py mirroring it, a same-named test in tests/test_integration.py
  pkg_tests      tests inside the package: tinyparse/tests/tests_*.py, setup.cfg [tool:pytest] python_files
  unittest_only  unittest.TestCase classes only, tox.ini [pytest]
  doctest_pkg    doctests only, in a package module that does ``from . import helpers``
  plugin_mock    conftest fixtures on top of pytest-mock's ``mocker``, ``required_plugins = pytest-mock``
  namespace_pkg  src layout whose top-level package is a PEP 420 namespace package (src/acme/ has no __init__.py)
  untested       a module no test imports, in a project whose tests live in checks/

Project virtual environments (pytest 6.2.5 / 7.4.4 / 8.4.2 + pytest-mock) are built once from the same base
Python as tracefix into ~/.cache/tracefix-test-venvs/ and reused; tests needing one skip when it cannot be
built (no network).

Runs use ``--no-repair`` (finding and reporting the tests is what is checked here) except the one that checks
that the real tree is left unchanged, which runs the whole pipeline so every validation run is covered too.
The timeouts are hang guards, not timing assertions.
"""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
PROJECTS = HERE / "projects"
_BIN = Path(sys.executable).parent
TRACEFIX = [str(_BIN / "tracefix")] if (_BIN / "tracefix").exists() else [sys.executable, "-m", "tracefix"]
HANG_GUARD = 900.0  # seconds for one `tracefix debug`; the 2-core machine is shared, so be generous
BAD = ("failed", "error", "timeout")
VENV_CACHE = Path.home() / ".cache" / "tracefix-test-venvs"


# -- running the real CLI --------------------------------------------------------------------------

def user_env() -> dict[str, str]:
    """The environment of a user's shell: nothing of this pytest session leaks into tracefix."""
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k not in drop}


@dataclass
class Result:
    argv: list[str]
    cwd: Path
    code: int
    stdout: str
    stderr: str
    report: dict | None

    @property
    def tests(self) -> list[dict]:
        return list(self.report.get("tests", [])) if self.report else []

    @property
    def outcomes(self) -> dict[str, str]:
        return {t["id"]: t["outcome"] for t in self.tests}

    @property
    def bad(self) -> list[str]:
        return [t["id"] for t in self.tests if t["outcome"] in BAD]

    def said(self) -> str:
        """Everything tracefix told the user: stderr, the report's error and messages, every test's message."""
        parts = [self.stderr]
        if self.report:
            parts.append(str(self.report.get("error", "")))
            parts += [str(m) for m in self.report.get("messages", [])]
            parts += [f"{t.get('id')}: {t.get('message', '')}" for t in self.tests]
        return "\n".join(parts)

    def __str__(self) -> str:  # what an assertion failure shows
        tests = "\n".join(f"    {t['outcome']:8} {t['id']}  {str(t.get('message', ''))[:160]!r}" for t in self.tests)
        extra = ""
        if self.report:
            extra = f"\n  error: {self.report.get('error', '')!r}\n  messages: {self.report.get('messages', [])!r}"
        elif self.stdout.strip():
            extra = f"\n  stdout (not JSON): {self.stdout[-1500:]!r}"
        return (f"\n$ (cd {self.cwd} && {' '.join(self.argv)})\n  exit code {self.code}\n"
                f"  stderr: {self.stderr[-2500:]!r}{extra}\n  tests:\n{tests or '    (none)'}")


def tracefix_debug(module: str | Path, *args: str, cwd: Path, python: str | Path | None = None,
                   repair: bool = False, timeout: float = HANG_GUARD, env: dict[str, str] | None = None) -> Result:
    argv = [*TRACEFIX, "debug", str(module), "--json", *args]
    if python is not None:
        argv += ["--python", str(python)]
    if not repair:
        argv.append("--no-repair")
    proc = subprocess.Popen(argv, cwd=cwd, env={**user_env(), **(env or {})}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"tracefix did not finish within {timeout:.0f} s: {' '.join(argv)} (cwd {cwd})")
    report = None
    if out.strip():
        try:
            report = json.loads(out)
        except ValueError:
            report = None
    return Result(argv, cwd, proc.returncode, out, err, report)


# A machine that refuses unprivileged user namespaces (Docker's default seccomp profile, Ubuntu 24.04's AppArmor
# restriction): an `unshare` that fails as the real one does there comes first on PATH, so tracefix takes its
# documented fallback instead of the mount-namespace jail.
NO_NAMESPACES_BIN = PROJECTS / "no_namespaces_bin"
JAIL_MODES = ("namespaces", "no-namespaces")


def jail_env(mode: str) -> dict[str, str]:
    if mode == "namespaces":
        return {}
    return {"PATH": f"{NO_NAMESPACES_BIN}{os.pathsep}{os.environ.get('PATH', os.defpath)}"}


@pytest.fixture(autouse=True, scope="module")
def _private_project_cache(tmp_path_factory):
    """tracefix's per-project cache (collections, coverage map, last failures) goes to a folder of this module's
    own, like the feedback store in conftest.py: never the developer's."""
    old = os.environ.get("TRACEFIX_CACHE_DIR")
    os.environ["TRACEFIX_CACHE_DIR"] = str(tmp_path_factory.mktemp("tracefix-cache"))
    yield
    if old is None:
        os.environ.pop("TRACEFIX_CACHE_DIR", None)
    else:
        os.environ["TRACEFIX_CACHE_DIR"] = old


# -- sample projects ------------------------------------------------------------------------------

def copy_project(name: str, dest_parent: Path) -> Path:
    dest = dest_parent / name
    shutil.copytree(PROJECTS / name, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc"))
    return dest


@dataclass(frozen=True)
class Layout:
    name: str
    module: str  # the document, relative to the project root
    bug: str  # the buggy line as it is in the sample
    fix: str  # the same line fixed
    failing: tuple[str, ...]  # real pytest node ids (relative to the root) that catch the bug
    passing: tuple[str, ...]  # ids, mostly from other files than the document, that pass either way
    may_fail: tuple[str, ...] = ()  # also catch the bug when they are selected

    def fix_bug(self, root: Path) -> None:
        path = root / self.module
        text = path.read_text()
        assert text.count(self.bug) == 1, f"the sample {self.name} changed: {self.bug!r} not found once"
        path.write_text(text.replace(self.bug, self.fix))

    def __str__(self) -> str:
        return self.name


SRC = Layout(
    "src_layout", "src/invoicing/core.py", "    if quantity > 10:\n", "    if quantity >= 10:\n",
    failing=("tests/test_core.py::test_bulk_discount_thresholds",),
    passing=("tests/test_core.py::test_line_total_without_discount",
             "tests/test_core.py::test_invoice_total",  # uses the conftest fixture
             "tests/test_core.py::test_invoice_total_with_tax",
             "tests/test_core.py::test_no_discount_for_small_quantities[9]",
             "tests/test_report.py::test_report_written"))
FLAT = Layout(
    "flat_mirror", "units/convert/length.py", "    for text in texts[1:]:\n", "    for text in texts:\n",
    failing=("tests/convert/test_length.py::test_total_length",),
    passing=("tests/convert/test_length.py::test_parse",
             "tests/convert/test_length.py::test_to_meters",
             "tests/convert/test_length.py::test_total_length_of_nothing",
             "tests/test_integration.py::test_total_length"))
PKG_TESTS = Layout(
    "pkg_tests", "tinyparse/lexer.py", "        elif ch in OPERATORS[:4]:\n", "        elif ch in OPERATORS:\n",
    failing=("tinyparse/tests/tests_lexer.py::test_parentheses",),
    may_fail=("tinyparse/tests/tests_calc.py::test_grouping",),
    passing=("tinyparse/tests/tests_lexer.py::test_numbers_and_operators",
             "tinyparse/tests/tests_lexer.py::test_rejects_letters"))
UNITTEST = Layout(
    "unittest_only", "shapes/area.py", "    return math.pi * radius * 2\n", "    return math.pi * radius ** 2\n",
    failing=("tests/test_area.py::TestCircle::test_unit_circle",),
    passing=("tests/test_area.py::TestRectangle::test_area",
             "tests/test_area.py::TestRectangle::test_negative_side",
             "tests/test_area.py::TestCircle::test_zero_radius",
             "tests/test_area.py::TestTriangle::test_right_triangle"))
NAMESPACE = Layout(
    "namespace_pkg", "src/acme/calendar/dates.py", "    return year % 4 == 0 and year % 100 != 0\n",
    "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n",
    failing=("tests/test_dates.py::test_leap_years",),
    passing=("tests/test_dates.py::test_common_years", "tests/test_dates.py::test_february",
             "tests/test_dates.py::test_bad_month"))
LAYOUTS = [SRC, FLAT, PKG_TESTS, UNITTEST, NAMESPACE]


def check_ids_name_real_files(result: Result, root: Path) -> None:
    """A reported pytest node id starts with the test file's path relative to the project root."""
    for test_id in result.outcomes:
        if "::" in test_id:
            file = test_id.split("::", 1)[0]
            assert (root / file).is_file(), f"{test_id!r} does not name a file relative to the project root{result}"


def check_caught(result: Result, layout: Layout, root: Path) -> None:
    assert result.code == 1, f"the bug is caught by {layout.failing}: expected exit code 1{result}"
    for test_id in layout.failing:
        assert result.outcomes.get(test_id) == "failed", f"{test_id} must be reported as failed{result}"
    for test_id in layout.passing:
        assert result.outcomes.get(test_id) == "passed", f"{test_id} must be reported as passed{result}"
    spurious = [t for t in result.bad if t not in layout.failing + layout.may_fail]
    assert not spurious, f"tests that pass under plain pytest were reported as failing: {spurious}{result}"
    check_ids_name_real_files(result, root)


def check_all_pass(result: Result, layout: Layout, root: Path) -> None:
    assert result.code == 0, f"with the bug fixed every test passes: expected exit code 0{result}"
    assert not result.bad, result
    for test_id in layout.failing + layout.passing:
        assert result.outcomes.get(test_id) == "passed", f"{test_id} must run and pass{result}"
    check_ids_name_real_files(result, root)


# -- project venvs ----------------------------------------------------------------------------------

def base_python() -> str:
    """The base interpreter of the Python tracefix runs on (its venv's ``home``)."""
    return getattr(sys, "_base_executable", "") or sys.executable


def project_venv(name: str, requirements: list[str], python: str | None = None) -> Path:
    """``<cache>/<name>/bin/python`` with ``requirements`` installed; built once, reused; skip if impossible."""
    python = python or base_python()
    VENV_CACHE.mkdir(parents=True, exist_ok=True)
    dest = VENV_CACHE / name
    exe = dest / "bin" / "python"
    stamp = dest / "tracefix-test-venv.json"
    want = {"base": os.path.realpath(python), "requirements": requirements}
    with open(VENV_CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be building the same venv
        try:
            if exe.exists() and json.loads(stamp.read_text()) == want:
                return exe
        except (OSError, ValueError):
            pass
        shutil.rmtree(dest, ignore_errors=True)
        env = {k: v for k, v in user_env().items() if not k.startswith("PIP_REQUIRE")}
        steps = [[python, "-m", "venv", str(dest)],
                 [str(exe), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
                  "--timeout", "30", "--retries", "1", *requirements]]
        for argv in steps:
            try:
                done = subprocess.run(argv, capture_output=True, text=True, timeout=1200, env=env,
                                      stdin=subprocess.DEVNULL)
                problem = "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]
            except (OSError, subprocess.TimeoutExpired) as exc:
                problem = str(exc)
            if problem:
                shutil.rmtree(dest, ignore_errors=True)
                pytest.skip(f"cannot build the project venv {name} ({' '.join(requirements)}): {problem}")
        stamp.write_text(json.dumps(want))
    return exe


PYTEST_VERSIONS = {"6.2.5": [], "7.4.4": [], "8.4.2": ["pytest-mock==3.14.1"]}
_PY = "py{}{}".format(*sys.version_info[:2])


def venv_for_pytest(version: str) -> Path:
    extra = PYTEST_VERSIONS[version]
    name = f"{_PY}-pytest{version}" + "".join("-" + r.replace("==", "") for r in extra)
    return project_venv(name, [f"pytest=={version}", *extra])


@pytest.fixture(scope="session")
def mock_venv() -> Path:
    """A project venv from tracefix's own base Python with pytest and pytest-mock."""
    return venv_for_pytest("8.4.2")


# -- each layout: the failing test of another file is found, with its real node id ----------------

@pytest.mark.parametrize("layout", LAYOUTS, ids=str)
def test_layout_reports_failing_test_from_another_file(tmp_path, layout: Layout):
    root = copy_project(layout.name, tmp_path)
    result = tracefix_debug(layout.module, cwd=root)
    check_caught(result, layout, root)


@pytest.mark.parametrize("layout", LAYOUTS, ids=str)
def test_layout_with_bug_fixed_passes(tmp_path, layout: Layout):
    root = copy_project(layout.name, tmp_path)
    layout.fix_bug(root)
    result = tracefix_debug(layout.module, cwd=root)
    check_all_pass(result, layout, root)


@pytest.mark.parametrize("fixed", [False, True], ids=["bug", "fixed"])
def test_layout_without_namespaces(tmp_path, fixed):
    """The fallback finds and runs the same tests where the jail cannot be built."""
    root = copy_project(FLAT.name, tmp_path)
    if fixed:
        FLAT.fix_bug(root)
    result = tracefix_debug(FLAT.module, cwd=root, env=jail_env("no-namespaces"))
    (check_all_pass if fixed else check_caught)(result, FLAT, root)


@pytest.mark.parametrize("marker", ["setup.py", ".git"])
def test_project_without_pytest_config(tmp_path, marker):
    """No pytest.ini/[tool.pytest]/...: the root is the nearest folder with setup.py (or the git work tree),
    so tests/ is found from the module's folder two levels down, with the same root-relative ids."""
    root = copy_project(FLAT.name, tmp_path)
    (root / "pytest.ini").unlink()
    if marker == ".git":
        (root / "setup.py").unlink()
        subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    result = tracefix_debug(FLAT.module, cwd=root)
    check_caught(result, FLAT, root)


def test_sibling_subpackage_import_and_results_from_a_subfolder(tmp_path):
    """Run from inside tests/convert (as a terminal opened there would): same tests, same root-relative ids."""
    root = copy_project(FLAT.name, tmp_path)
    result = tracefix_debug("../../units/convert/length.py", cwd=root / "tests" / "convert")
    assert "No module named 'units" not in result.said(), result
    check_caught(result, FLAT, root)


def test_changes_to_the_project_between_runs_are_picked_up(tmp_path):
    """The project model is cached, but a new test file, or a config change that brings in more test files,
    counts on the very next run."""
    root = copy_project(PKG_TESTS.name, tmp_path)
    check_caught(tracefix_debug(PKG_TESTS.module, cwd=root), PKG_TESTS, root)

    tests = root / "tinyparse" / "tests"
    (tests / "tests_spaces.py").write_text(
        "from tinyparse.lexer import tokenize\n\n\ndef test_tabs():\n    assert tokenize('1\\t+\\t2') == []\n")
    result = tracefix_debug(PKG_TESTS.module, cwd=root)
    assert result.outcomes.get("tinyparse/tests/tests_spaces.py::test_tabs") == "failed", \
        f"a test file added since the last run is collected{result}"

    (tests / "check_lexer.py").write_text(
        "from tinyparse.lexer import tokenize\n\n\ndef test_empty():\n    assert tokenize('') == [('EOF', None)]\n")
    assert "tinyparse/tests/check_lexer.py::test_empty" not in tracefix_debug(PKG_TESTS.module, cwd=root).outcomes
    cfg = root / "setup.cfg"
    cfg.write_text(cfg.read_text().replace("python_files = tests_*.py", "python_files = tests_*.py check_*.py"))
    result = tracefix_debug(PKG_TESTS.module, cwd=root)
    assert result.outcomes.get("tinyparse/tests/check_lexer.py::test_empty") == "failed", \
        f"after python_files changed in setup.cfg, check_*.py files are tests{result}"


def test_max_tests_cap_runs_failing_first_and_says_so(tmp_path):
    root = copy_project(FLAT.name, tmp_path)
    check_caught(tracefix_debug(FLAT.module, cwd=root), FLAT, root)
    result = tracefix_debug(FLAT.module, "--max-tests", "1", cwd=root)
    assert result.outcomes == {"tests/convert/test_length.py::test_total_length": "failed"}, \
        f"with room for one test, the one that failed last time runs{result}"
    assert result.code == 1, result
    assert "--max-tests" in result.said() or "maxTests" in result.said(), f"a note says the cap cut the set{result}"


# -- --test: any node id, relative to the root or the current folder, matched exactly --------------

def test_test_id_from_another_file_runs_exactly_that_test(tmp_path):
    root = copy_project(FLAT.name, tmp_path)
    wanted = "tests/convert/test_length.py::test_total_length"
    result = tracefix_debug(FLAT.module, "--test", wanted, cwd=root)
    assert result.code == 1, result
    assert result.outcomes == {wanted: "failed"}, f"exactly the one test asked for must run{result}"


def test_same_named_test_in_the_other_file_is_the_one_that_runs(tmp_path):
    """tests/test_integration.py::test_total_length passes; its namesake in tests/convert fails."""
    root = copy_project(FLAT.name, tmp_path)
    wanted = "tests/test_integration.py::test_total_length"
    result = tracefix_debug(FLAT.module, "--test", wanted, cwd=root)
    assert result.code == 0, f"only the passing namesake may run{result}"
    assert result.outcomes == {wanted: "passed"}, result


ID_KINDS = [  # (sample, --test, expected outcomes, exit code): any pytest node id names what pytest would run
    (SRC, "tests/test_core.py::test_no_discount_for_small_quantities[9]",
     {"tests/test_core.py::test_no_discount_for_small_quantities[9]": "passed"}, 0),
    (SRC, "tests/test_core.py::test_no_discount_for_small_quantities",
     {f"tests/test_core.py::test_no_discount_for_small_quantities[{q}]": "passed" for q in (0, 1, 9)}, 0),
    (UNITTEST, "tests/test_area.py::TestCircle",
     {"tests/test_area.py::TestCircle::test_zero_radius": "passed",
      "tests/test_area.py::TestCircle::test_unit_circle": "failed"}, 1),
    (FLAT, "tests/convert/test_length.py",
     {"tests/convert/test_length.py::" + name: "failed" if name == "test_total_length" else "passed"
      for name in ("test_parse", "test_convert_km_to_m", "test_to_meters", "test_total_length",
                   "test_total_length_of_nothing")}, 1),
]


@pytest.mark.parametrize("layout, wanted, expected, code", ID_KINDS, ids=["case", "function", "class", "file"])
def test_test_accepts_any_node_id(tmp_path, layout, wanted, expected, code):
    root = copy_project(layout.name, tmp_path)
    result = tracefix_debug(layout.module, "--test", wanted, cwd=root)
    assert result.outcomes == expected, f"--test {wanted} runs what pytest would run for that id{result}"
    assert result.code == code, result


def test_test_id_relative_to_the_current_folder(tmp_path):
    root = copy_project(FLAT.name, tmp_path)
    result = tracefix_debug("../../units/convert/length.py", "--test", "test_length.py::test_total_length",
                            cwd=root / "tests" / "convert")
    assert result.code == 1, result
    assert result.outcomes == {"tests/convert/test_length.py::test_total_length": "failed"}, result


def test_test_id_matches_the_file_path_exactly(tmp_path):
    """tests/test_system.py has no test_total_length: the namesakes in two other files must not be run."""
    root = copy_project(FLAT.name, tmp_path)
    wanted = "tests/test_system.py::test_total_length"
    result = tracefix_debug(FLAT.module, "--test", wanted, cwd=root)
    assert result.code in (2, 5), f"nothing matches {wanted}: not a pass, not a failure{result}"
    assert not result.tests, f"no test may run for an id that matches nothing{result}"
    assert "test_system.py::test_total_length" in result.said(), f"the message names the id asked for{result}"


def test_bare_test_name_in_two_files_is_not_guessed(tmp_path):
    """The bug the issue reports: a name shared by two files silently ran one of them. Now: ask, listing both."""
    root = copy_project(FLAT.name, tmp_path)
    result = tracefix_debug(FLAT.module, "--test", "test_total_length", cwd=root)
    assert result.code == 2, f"an ambiguous --test is a usage error{result}"
    assert not result.tests, result
    said = result.said()
    assert "tests/convert/test_length.py::test_total_length" in said, result
    assert "tests/test_integration.py::test_total_length" in said, result


# -- no tests: exit code 5 and where it looked ----------------------------------------------------

def test_no_tests_found_exits_5_and_says_where_it_looked(tmp_path):
    root = copy_project("untested", tmp_path)
    result = tracefix_debug("ledger/export.py", cwd=root)
    assert result.code == 5, f"no test exercises ledger/export.py: exit code 5 (never 0){result}"
    assert not result.tests, result
    said = result.said()
    assert "checks" in said, f"the message must say where it looked (the project's testpaths: checks/){result}"
    assert "--tests" in said, f"the message must say how to point tracefix at tests (--tests GLOB){result}"


def test_tests_option_points_at_tests_outside_testpaths(tmp_path):
    """The remedy the message names works: --tests GLOB adds test files pytest's testpaths leave out."""
    root = copy_project("untested", tmp_path)
    (root / "legacy").mkdir()
    (root / "legacy" / "test_export.py").write_text(
        "from ledger.export import to_csv\n\n\n"
        "def test_to_csv():\n"
        "    assert to_csv([('2026-01-02', 5)]) == '2026-01-02,5.00\\n'\n")
    assert tracefix_debug("ledger/export.py", cwd=root).code == 5  # outside testpaths (checks/): not found
    result = tracefix_debug("ledger/export.py", "--tests", "legacy/test_*.py", cwd=root)
    assert result.code == 0, result
    assert result.outcomes == {"legacy/test_export.py::test_to_csv": "passed"}, result


def test_lone_module_without_tests_exits_5(tmp_path):
    folder = tmp_path / "scratchpad"
    folder.mkdir()
    (folder / "notes.py").write_text("def shout(text):\n    return text.upper() + '!'\n")
    result = tracefix_debug("notes.py", cwd=folder)
    assert result.code == 5, f"nothing to run is not 'all tests pass'{result}"
    assert "--tests" in result.said(), result


# -- collection and import errors -------------------------------------------------------------------

BROKEN_TEST = '''\
import nonexistent_dependency  # not installed: this test file cannot even be imported

from units.convert.length import total_length


def test_needs_the_dependency():
    assert total_length(["1 m"], "m") == 1.0
'''


def test_collection_error_is_reported_as_such(tmp_path):
    root = copy_project(FLAT.name, tmp_path)
    FLAT.fix_bug(root)  # every real test passes: the import error is the only problem left
    (root / "tests" / "convert" / "test_broken.py").write_text(BROKEN_TEST)
    result = tracefix_debug(FLAT.module, cwd=root)
    assert result.code != 0, f"a test file that cannot be imported is not 'all tests pass'{result}"
    said = result.said()
    assert "No module named 'nonexistent_dependency'" in said, f"the first line of the real error is shown{result}"
    assert "test_broken.py" in said, f"the message names the file that failed to import{result}"
    for test in result.tests:  # never a failing (or passing) test of the user's
        if "test_broken.py" in test["id"] or "nonexistent_dependency" in str(test.get("message", "")):
            assert test["outcome"] == "error" and "::" not in test["id"], \
                f"an import error is not a test outcome of {test['id']!r}{result}"
    if result.report is not None:
        assert result.report["blocks"] == [], f"an import error in a test file is not blamed on a block{result}"
        assert result.report["suggestions"] == [], result


# -- doctests of a package module with a relative import ----------------------------------------------

DOCTEST_INI = {
    "doctest-modules": "[pytest]\naddopts = --doctest-modules\ntestpaths = textkit\n",  # as shipped
    "no-doctest-option": "[pytest]\ntestpaths = textkit\n",  # tracefix still runs the module's doctests
}


def _doctests_by_function(result: Result) -> dict[str, str]:
    out = {}
    for test_id, outcome in result.outcomes.items():
        for name in ("slugify", "truncate", "title"):
            if test_id.endswith(name) or test_id.endswith(f".{name}") or test_id.endswith(f":{name}"):
                out[name] = outcome
    return out


@pytest.mark.parametrize("ini", sorted(DOCTEST_INI))
def test_doctests_with_relative_import_in_a_package(tmp_path, ini):
    root = copy_project("doctest_pkg", tmp_path)
    (root / "pytest.ini").write_text(DOCTEST_INI[ini])
    module = "textkit/formatting.py"
    result = tracefix_debug(module, cwd=root)
    assert "relative import" not in result.said() and "no known parent package" not in result.said(), result
    assert result.code == 1, f"the doctest of truncate catches the bug{result}"
    doctests = _doctests_by_function(result)
    assert doctests.get("truncate") == "failed", f"truncate's doctest fails{result}"
    assert doctests.get("slugify") == "passed" and doctests.get("title") == "passed", \
        f"slugify and title use the relatively imported helpers and pass{result}"
    assert [t for t in result.bad if "truncate" not in t] == [], result

    text = (root / module).read_text()
    (root / module).write_text(text.replace("    if len(text) < width:\n", "    if len(text) <= width:\n"))
    fixed = tracefix_debug(module, cwd=root)
    assert fixed.code == 0, fixed
    assert _doctests_by_function(fixed) == {"slugify": "passed", "truncate": "passed", "title": "passed"}, fixed
    assert not fixed.bad, fixed


# -- the project's venv: same base Python, its plugins, its pytest -----------------------------------

MOCK_FAILING = ("tests/test_digest.py::test_two_items",)
MOCK_PASSING = ("tests/test_digest.py::test_nothing_new_sends_nothing", "tests/test_digest.py::test_one_item",
                "tests/test_digest.py::test_body_is_built_once")
MOCK_BUG = ('    return f"{count} new item" + ("s" if count > 2 else "")\n',
            '    return f"{count} new item" + ("s" if count != 1 else "")\n')


def _check_mock_project(result: Result, fixed: bool, version: str = "{}.{}".format(*sys.version_info[:2])) -> None:
    said = result.said()
    for symptom in ("FixtureLookupError", "fixture 'mocker' not found", "Missing required plugins"):
        assert symptom not in said, f"the project's pytest-mock plugin was not loaded ({symptom}){result}"
    assert result.report is not None and result.report["python"].startswith(version + "."), \
        f"the project's Python {version} runs the tests{result}"
    if fixed:
        assert result.code == 0, result
        assert all(result.outcomes.get(t) == "passed" for t in MOCK_FAILING + MOCK_PASSING), result
    else:
        assert result.code == 1, result
        assert all(result.outcomes.get(t) == "failed" for t in MOCK_FAILING), result
        assert all(result.outcomes.get(t) == "passed" for t in MOCK_PASSING), result
    assert not [t for t in result.bad if t not in MOCK_FAILING], result


@pytest.mark.parametrize("fixed", [False, True], ids=["bug", "fixed"])
def test_project_venv_from_the_same_base_python_keeps_its_plugins(tmp_path, mock_venv, fixed):
    root = copy_project("plugin_mock", tmp_path)
    if fixed:
        path = root / "notify" / "digest.py"
        path.write_text(path.read_text().replace(*MOCK_BUG))
    result = tracefix_debug("notify/digest.py", cwd=root, python=mock_venv)
    _check_mock_project(result, fixed)


def test_project_dot_venv_is_used_without_python_option(tmp_path, mock_venv):
    """The issue's interpreter order: no --python, the project's own .venv is there: that one runs the tests."""
    root = copy_project("plugin_mock", tmp_path)
    (root / ".venv").symlink_to(mock_venv.parent.parent, target_is_directory=True)
    result = tracefix_debug("notify/digest.py", cwd=root)
    _check_mock_project(result, fixed=False)


def _pyenv_python(minor: str) -> str | None:
    found = sorted(Path.home().glob(f".pyenv/versions/{minor}.*/bin/python{minor}"))
    return str(found[-1]) if found else None


@pytest.mark.parametrize("minor", ["3.9", "3.12", "3.13"])
def test_project_venv_of_another_python_version(tmp_path, minor):
    """The project's venv need not share tracefix's Python: a 3.9 venv (sys.settrace) and 3.12/3.13 venvs
    (sys.monitoring) with pytest 8 and pytest-mock run the same project, plugins included."""
    base = _pyenv_python(minor)
    if base is None:
        pytest.skip(f"no CPython {minor} under ~/.pyenv/versions")
    python = project_venv(f"py{minor.replace('.', '')}-pytest8.4.2-pytest-mock3.14.1",
                          ["pytest==8.4.2", "pytest-mock==3.14.1"], python=base)
    root = copy_project("plugin_mock", tmp_path)
    result = tracefix_debug("notify/digest.py", cwd=root, python=python)
    _check_mock_project(result, fixed=False, version=minor)


OWN_PYTEST_CONFTEST = '''\
import pytest


@pytest.fixture(autouse=True)
def _the_projects_own_pytest():
    assert pytest.__version__ == "{version}", "ran under pytest " + pytest.__version__ + ", not the project's {version}"
'''


@pytest.mark.parametrize("version", sorted(PYTEST_VERSIONS))
def test_project_venv_with_pytest_version(tmp_path, version):
    python = venv_for_pytest(version)
    root = copy_project(FLAT.name, tmp_path)
    (root / "tests" / "conftest.py").write_text(OWN_PYTEST_CONFTEST.format(version=version))
    result = tracefix_debug(FLAT.module, cwd=root, python=python)
    said = result.said()
    assert "unrecognized arguments" not in said and "no such option" not in said, \
        f"an option pytest {version} lacks was passed{result}"
    check_caught(result, FLAT, root)


def test_project_pytest_older_than_supported_gets_one_clear_line(tmp_path):
    """Issue 11 item 4: an older pytest is named with its version and the minimum, never run half-way."""
    python = project_venv(f"{_PY}-pytest5.4.3", ["pytest==5.4.3"])
    root = copy_project(FLAT.name, tmp_path)
    result = tracefix_debug(FLAT.module, cwd=root, python=python)
    assert result.code == 2, f"an interpreter whose pytest cannot be used is an input error (exit 2){result}"
    assert not result.bad, f"an unsupported pytest is not a failing test of the user's{result}"
    said = result.said()
    assert "5.4" in said and "6.2" in said, f"the message names the installed pytest and the minimum{result}"
    assert "no tests found" not in said, f"the project has tests: the problem is its pytest, say that{result}"
    assert "Traceback" not in result.stderr, result


# -- the real tree is never written --------------------------------------------------------------

def tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = str(full.relative_to(root))
            if full.is_symlink():
                out[rel] = "symlink -> " + os.readlink(full)
            elif full.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(full.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("mode", JAIL_MODES)
def test_tests_that_write_into_the_project_leave_the_real_tree_unchanged(tmp_path, mode):
    """tests/test_report.py deletes tests/last_report.txt, creates tests/output/report.txt, appends to
    tests/runs.log. The full pipeline runs (repair and validation included): none of it may reach the tree,
    not even pytest's own .pytest_cache or __pycache__ folders. With namespaces the writes land in the
    overlay's upper layer; without them (DESIGN.md §5: "the real project ... read-only", and a fallback "with
    the same semantics") they still must not reach the real tree."""
    root = copy_project(SRC.name, tmp_path)
    before = tree_digest(root)
    result = tracefix_debug(SRC.module, cwd=root, repair=True, env=jail_env(mode))
    after = tree_digest(root)
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    assert (sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys()), changed) == ([], [], []), \
        f"(created, deleted, modified) in the real project tree{result}"
    assert result.code == 1, result
    # The test that writes did run (so the writes were attempted).
    assert "tests/test_report.py::test_report_written" in result.outcomes, result
    if mode == "namespaces":  # ... and, in the overlay, behaved exactly as under plain pytest
        assert result.outcomes["tests/test_report.py::test_report_written"] == "passed", result


# -- the unsaved buffer is what runs -----------------------------------------------------------------

def test_unsaved_buffer_is_what_runs_python_api(tmp_path):
    """engine.debug with a text that differs from the file on disk: the text runs, both ways."""
    from tracefix.config import Settings
    from tracefix.engine import Request, debug

    root = copy_project(FLAT.name, tmp_path)
    path = root / FLAT.module
    buggy = path.read_text()
    fixed = buggy.replace(FLAT.bug, FLAT.fix)
    settings = Settings(repair=False, warm=False)
    target = "tests/convert/test_length.py::test_total_length"

    report = debug(Request(path=str(path), text=fixed, settings=settings))  # disk: buggy
    outcomes = {t.id: t.outcome for t in report.tests}
    assert outcomes.get(target) == "passed" and not report.failing, (report.error, report.messages, outcomes)

    path.write_text(fixed)
    report = debug(Request(path=str(path), text=buggy, settings=settings))  # disk: fixed
    outcomes = {t.id: t.outcome for t in report.tests}
    assert outcomes.get(target) == "failed", (report.error, report.messages, outcomes)
    assert path.read_text() == fixed


try:
    import pytest_lsp
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
except ImportError:  # pragma: no cover - the dev extras carry them
    pytest_lsp = None

if pytest_lsp is not None:
    LSP_SETTINGS = {"runOn": "manual", "repair": False}

    @pytest.fixture
    def lsp_project(tmp_path) -> Path:
        return copy_project(FLAT.name, tmp_path)

    def _client_factory() -> LanguageClient:
        """The stock test client, answering the refresh requests a VS Code-like client advertises, and keeping
        every publishDiagnostics with its version."""
        client = LanguageClient()
        client.published = []

        def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            client.published.append(params)

        def refresh(client: LanguageClient, params: None) -> None:
            return None

        register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                       types.WORKSPACE_CODE_LENS_REFRESH: refresh,
                                       types.WORKSPACE_INLAY_HINT_REFRESH: refresh})
        return client

    def _lsp_fixture(server_command: list[str]):
        @pytest_lsp.fixture(config=ClientServerConfig(server_command=server_command, client_factory=_client_factory))
        async def fixture(lsp_client: LanguageClient, lsp_project: Path):
            lsp_client.set_configuration(LSP_SETTINGS, section="tracefix")
            await lsp_client.initialize_session(types.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=lsp_project.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=lsp_project.as_uri(), name=lsp_project.name)],
                initialization_options={"tracefix": LSP_SETTINGS},
            ))
            yield
            await lsp_client.shutdown_session()
        return fixture

    _SERVE = [sys.executable, "-m", "tracefix", "serve"]
    lsp = _lsp_fixture(_SERVE)
    # `env` puts the failing `unshare` first on PATH when the server starts (the rest of the environment,
    # TRACEFIX_DATA_DIR included, is inherited as it is then).
    lsp_no_namespaces = _lsp_fixture(["env", f"PATH={jail_env('no-namespaces')['PATH']}", *_SERVE])

    def _plain(obj):
        if hasattr(obj, "_asdict"):
            return {k: _plain(v) for k, v in obj._asdict().items()}
        if isinstance(obj, dict):
            return {k: _plain(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [_plain(v) for v in obj]
        return obj

    async def _eventually(predicate, what: str, seconds: float = 120.0):
        """Diagnostics follow a finished run at once; the wait is a hang guard."""
        for _ in range(int(seconds * 10)):
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    async def _check_unsaved_buffer_runs(lsp: LanguageClient, project: Path, disk: str, buffer: str) -> None:
        path = project / FLAT.module
        texts = {"buggy": path.read_text()}
        texts["fixed"] = texts["buggy"].replace(FLAT.bug, FLAT.fix)
        path.write_text(texts[disk])
        uri = path.as_uri()
        lsp.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=texts[disk])))
        lsp.text_document_did_change(types.DidChangeTextDocumentParams(  # typed, not saved
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=texts[buffer])]))
        report = _plain(await asyncio.wait_for(lsp.workspace_execute_command_async(types.ExecuteCommandParams(
            command="tracefix.debugWithTrace", arguments=[uri])), HANG_GUARD))
        outcomes = {t["id"]: t["outcome"] for t in report["tests"]}
        target = "tests/convert/test_length.py::test_total_length"
        published = await _eventually(lambda: [p for p in lsp.published if p.uri == uri and p.version == 2],
                                      "diagnostics for the unsaved version 2")
        errors = [d for p in published for d in p.diagnostics if d.severity == types.DiagnosticSeverity.Error]
        if buffer == "fixed":
            assert outcomes.get(target) == "passed", report
            assert not [i for i, o in outcomes.items() if o in BAD], report
            assert not errors, f"all tests pass on the buffer: no error diagnostics ({errors})"
        else:
            assert outcomes.get(target) == "failed", report
            assert outcomes.get("tests/test_integration.py::test_total_length") == "passed", report
            assert errors, "the failing test of another file shows up as an error in the document"
        assert path.read_text() == texts[disk], "the server never writes the file"

    @pytest.mark.parametrize("disk, buffer", [("buggy", "fixed"), ("fixed", "buggy")])
    async def test_unsaved_buffer_is_what_runs_language_server(lsp: LanguageClient, lsp_project: Path, disk, buffer):
        """The editor's unsaved text runs (not the file on disk), with the project's tests from other files."""
        await _check_unsaved_buffer_runs(lsp, lsp_project, disk, buffer)

    @pytest.mark.parametrize("disk, buffer", [("buggy", "fixed"), ("fixed", "buggy")])
    async def test_unsaved_buffer_is_what_runs_without_namespaces(lsp_no_namespaces: LanguageClient,
                                                                  lsp_project: Path, disk, buffer):
        """The same where the overlay cannot be mounted: the documented fallback serves the buffer."""
        await _check_unsaved_buffer_runs(lsp_no_namespaces, lsp_project, disk, buffer)

    async def test_failing_test_of_another_file_maps_back_to_the_document(lsp: LanguageClient, lsp_project: Path):
        """Issue 11 item 6: diagnostics sit in the document; the failing test's place in its own file is
        related information (a Location in tests/convert/test_length.py)."""
        path = lsp_project / FLAT.module
        test_file = lsp_project / "tests" / "convert" / "test_length.py"
        test_lines = test_file.read_text().splitlines()
        first = test_lines.index("def test_total_length():")  # 0-based, as LSP positions are
        last = first + 1
        uri = path.as_uri()
        text = path.read_text()
        lsp.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=text)))
        await asyncio.wait_for(lsp.workspace_execute_command_async(types.ExecuteCommandParams(
            command="tracefix.debugWithTrace", arguments=[uri])), HANG_GUARD)

        def mapped():
            for diag in lsp.diagnostics.get(uri, []):
                for rel in diag.related_information or []:
                    if rel.location.uri == test_file.as_uri() and first <= rel.location.range.start.line <= last:
                        return diag
            return None

        try:
            diag = await _eventually(mapped, "a diagnostic related to the failing test")
        except AssertionError:
            diag = None
        assert diag is not None, ("no diagnostic of the document points at the failing test in "
                                  f"{test_file.name}: {lsp.diagnostics.get(uri)}")
        assert diag.range.start.line < len(text.splitlines()), "the diagnostic lies inside the document"
        assert diag.severity in (types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning)
