"""The child-side runner (server/tracefix/probe/runner.py) against its job/result contract.

Each test does what the server does in cold mode: write a job file, start
``<python> runner.py job.json`` as a real child process with the project root as
working directory, and read the JSON lines it leaves. Projects are real folders in
tmp_path; the pytest-version tests run them in venvs with pytest 6.2, 7.4 and 8.x
(built once under ~/.cache/tracefix-test-venvs and reused; skipped when they cannot
be built, e.g. without network).
"""
from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from tracefix.contract import VERSION as CONTRACT_VERSION  # the probe's own file, loaded by path

RUNNER = Path(__file__).resolve().parents[1] / "server" / "tracefix" / "probe" / "runner.py"
FIXTURES = Path(__file__).resolve().parent / "runner_fixtures"
VENVS = Path.home() / ".cache" / "tracefix-test-venvs"


class Run:
    """The records one child left, read the way the server reads them."""

    def __init__(self, proc, lines):
        self.proc = proc
        self.records = [json.loads(line) for line in lines]
        self.tests = {}
        for record in self.records:
            if "test" in record:
                assert record["test"]["id"] not in self.tests, f"two records for {record['test']['id']}"
                self.tests[record["test"]["id"]] = record["test"]
        self.starts = [r["start"] for r in self.records if "start" in r]
        self.traces = {r["test"]["id"]: r["trace"] for r in self.records if "test" in r}

    def outcomes(self):
        return {test_id: t["outcome"] for test_id, t in self.tests.items()}

    def message(self, test_id):
        return self.tests[test_id]["message"]

    def of(self, key):
        return [r[key] for r in self.records if key in r]

    @property
    def done(self):
        return self.records[-1] if self.records and "done" in self.records[-1] else None


def child_env(**extra):
    # Running under pytest leaks PYTEST_CURRENT_TEST and friends; the child must start clean.
    return {**{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}, **extra}


def run_job(root, job, python=sys.executable, timeout=180, env=None):
    root = Path(root)
    work = root.parent / (root.name + "-job")
    work.mkdir(exist_ok=True)
    result = work / "result.jsonl"
    if result.exists():
        result.unlink()
    full = {"mode": "run", "root": str(root), "target": str(root / "mod.py"), "module": "", "sys_path": [str(root)],
            "tests": [], "trace": False, "result": str(result), **job}
    job_file = work / "job.json"
    job_file.write_text(json.dumps(full))
    proc = subprocess.run([python, "-X", "utf8", str(RUNNER), str(job_file)], cwd=str(root),
                          env=child_env(**(env or {})),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    lines = result.read_text(encoding="utf-8").splitlines() if result.exists() else []
    return Run(proc, lines)


def write(root, files):
    root = Path(root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def pytest_tests(*ids):
    return [{"id": i, "kind": "pytest"} for i in ids]


def assert_one_line(message):
    assert message and "\n" not in message and len(message) <= 1000, message


# -- honest outcomes --------------------------------------------------------------------------------

def test_every_outcome_follows_its_start_record(tmp_path):
    root = write(tmp_path / "p", {
        "mod.py": """
            def add(a, b):
                return a + b
            """,
        "tests/conftest.py": """
            import pytest

            @pytest.fixture
            def two():
                return 2
            """,
        "tests/test_mod.py": """
            import unittest
            import pytest
            from mod import add

            def test_pass(two):
                assert add(1, 1) == two

            def test_fail():
                assert add(2, 2) == 5

            @pytest.mark.parametrize("a,total", [(1, 2), (2, 5)])
            def test_param(a, total):
                assert add(a, 1) + 0 * a == total - (total > 3)

            @pytest.mark.skip(reason="not today")
            def test_skip():
                pass

            @pytest.mark.xfail(reason="known bug")
            def test_xfail():
                assert False

            class TestCaseStyle(unittest.TestCase):
                def test_equal(self):
                    self.assertEqual(add(0, 0), 1)
            """,
    })
    run = run_job(root, {"tests": pytest_tests("tests/test_mod.py")})
    assert run.outcomes() == {
        "tests/test_mod.py::test_pass": "passed",
        "tests/test_mod.py::test_fail": "failed",
        "tests/test_mod.py::test_param[1-2]": "passed",
        "tests/test_mod.py::test_param[2-5]": "failed",
        "tests/test_mod.py::test_skip": "skipped",
        "tests/test_mod.py::test_xfail": "skipped",
        "tests/test_mod.py::TestCaseStyle::test_equal": "failed",
    }, run.proc.stderr
    assert run.message("tests/test_mod.py::test_fail") == "assert 4 == 5"
    assert run.tests["tests/test_mod.py::test_fail"]["comparison"] == {"op": "==", "left": "4", "right": "5"}
    assert run.message("tests/test_mod.py::test_skip") == "not today"
    assert "known bug" in run.message("tests/test_mod.py::test_xfail")
    assert run.message("tests/test_mod.py::TestCaseStyle::test_equal") == "0 != 1"
    assert run.records[0] == {"contract": CONTRACT_VERSION, "python": run.records[0]["python"], "backend": "none",
                              "backend_reason": "not traced"}
    assert run.of("pytest") == [pytest.__version__]
    assert run.done == {"done": True, "crash": None}
    # Every test record comes right after its own start record.
    for i, record in enumerate(run.records):
        if "test" in record:
            assert run.records[i - 1] == {"start": record["test"]["id"]}


def test_keyboard_interrupt_and_system_exit_are_errors_of_their_own_test(tmp_path):
    root = write(tmp_path / "p", {
        "test_stops.py": """
            import sys
            import unittest
            import pytest

            @pytest.fixture
            def interrupts_in_setup():
                raise KeyboardInterrupt

            @pytest.fixture
            def interrupts_in_teardown():
                yield
                raise KeyboardInterrupt

            def test_a_body():
                raise KeyboardInterrupt

            def test_b_after():
                pass

            def test_c_setup(interrupts_in_setup):
                pass

            def test_d_teardown(interrupts_in_teardown):
                pass

            def test_e_exit():
                sys.exit(3)

            class TestF(unittest.TestCase):
                def test_exit(self):
                    sys.exit("bye")

                def test_interrupt(self):
                    raise KeyboardInterrupt

            def test_g_last():
                pass
            """,
    })
    run = run_job(root, {"tests": pytest_tests("test_stops.py")})
    assert run.outcomes() == {
        "test_stops.py::test_a_body": "error",
        "test_stops.py::test_b_after": "passed",
        "test_stops.py::test_c_setup": "error",
        "test_stops.py::test_d_teardown": "error",
        "test_stops.py::test_e_exit": "error",
        "test_stops.py::TestF::test_exit": "error",
        "test_stops.py::TestF::test_interrupt": "error",
        "test_stops.py::test_g_last": "passed",
    }, run.proc.stderr
    assert run.message("test_stops.py::test_a_body") == "KeyboardInterrupt was raised during the test"
    assert run.message("test_stops.py::test_c_setup") == "KeyboardInterrupt was raised during setup"
    assert run.message("test_stops.py::test_d_teardown") == "KeyboardInterrupt was raised during teardown"
    assert run.message("test_stops.py::test_e_exit") == "SystemExit: 3 was raised during the test"
    assert run.message("test_stops.py::TestF::test_exit") == "SystemExit: bye was raised during the test"
    assert run.done == {"done": True, "crash": None}


def test_pytest_exit_in_a_test_never_looks_like_success(tmp_path):
    root = write(tmp_path / "p", {
        "test_exit.py": """
            import pytest

            def test_a():
                pass

            def test_b():
                pytest.exit("giving up", returncode=0)

            def test_c():
                pass
            """,
    })
    run = run_job(root, {"tests": pytest_tests("test_exit.py::test_a", "test_exit.py::test_b", "test_exit.py::test_c")})
    assert run.outcomes() == {"test_exit.py::test_a": "passed", "test_exit.py::test_b": "error",
                              "test_exit.py::test_c": "error"}
    assert run.message("test_exit.py::test_b").startswith("the test did not finish: pytest.exit() stopped the session")
    assert "giving up" in run.message("test_exit.py::test_b")
    assert run.message("test_exit.py::test_c").startswith("not run: pytest.exit() stopped the session: giving up")


def test_os_exit_leaves_the_start_of_the_test_that_ended_the_process(tmp_path):
    root = write(tmp_path / "p", {
        "test_dies.py": """
            import os

            def test_a():
                pass

            def test_b():
                os._exit(0)

            def test_c():
                pass
            """,
    })
    run = run_job(root, {"tests": pytest_tests("test_dies.py")})
    assert run.outcomes() == {"test_dies.py::test_a": "passed"}
    assert run.records[-1] == {"start": "test_dies.py::test_b"}
    assert run.done is None


def test_a_stale_id_or_a_missing_file_does_not_cost_the_other_tests(tmp_path):
    root = write(tmp_path / "p", {
        "test_a.py": """
            import pytest

            def test_here():
                pass

            @pytest.mark.parametrize("text", ["a b", "c::d"])
            def test_odd_ids(text):
                assert text
            """,
    })
    run = run_job(root, {"tests": pytest_tests("test_a.py::test_here", "test_a.py::test_renamed",
                                               "test_gone.py::test_x", "test_a.py::test_odd_ids[c::d]")})
    assert run.outcomes() == {"test_a.py::test_here": "passed", "test_a.py::test_renamed": "error",
                              "test_gone.py::test_x": "error", "test_a.py::test_odd_ids[c::d]": "passed"}
    assert run.message("test_a.py::test_renamed").startswith("pytest found no test with this id")
    assert run.message("test_gone.py::test_x") == "file not found: test_gone.py"


def test_the_project_options_apply_once_and_its_raw_addopts_do_not(tmp_path):
    root = write(tmp_path / "p", {
        "pytest.ini": """
            [pytest]
            addopts = -x --an-option-no-pytest-knows
            markers =
                slow: slow
            """,
        "test_opts.py": """
            import pytest

            def test_a_fails():
                assert 1 == 2

            def test_b_runs_despite_dash_x():
                pass

            @pytest.mark.slow
            def test_c_slow():
                pass
            """,
    })
    run = run_job(root, {"tests": pytest_tests("test_opts.py", "test_opts.py::test_c_slow"),
                         "pytest_args": ["--strict-markers", "-m", "not slow"]})
    assert run.outcomes() == {"test_opts.py::test_a_fails": "failed",
                              "test_opts.py::test_b_runs_despite_dash_x": "passed",
                              "test_opts.py::test_c_slow": "skipped"}, run.proc.stderr
    assert "deselected by the project's pytest options" in run.message("test_opts.py::test_c_slow")
    assert not (root / ".pytest_cache").exists()


def test_a_kept_maxfail_option_says_why_the_rest_did_not_run(tmp_path):
    root = write(tmp_path / "p", {"test_x.py": "def test_a():\n    assert 0\n\ndef test_b():\n    pass\n"})
    run = run_job(root, {"tests": pytest_tests("test_x.py"), "pytest_args": ["--maxfail=1"]})
    assert run.outcomes() == {"test_x.py::test_a": "failed", "test_x.py::test_b": "error"}
    assert run.message("test_x.py::test_b") == "not run: the session stopped early: stopping after 1 failures"


def test_a_session_that_cannot_start_gives_every_test_one_line(tmp_path):
    broken = write(tmp_path / "broken", {
        "conftest.py": "import a_module_nobody_installed\n",
        "test_a.py": "def test_a():\n    pass\n\ndef test_b():\n    pass\n",
    })
    run = run_job(broken, {"tests": pytest_tests("test_a.py::test_a", "test_a.py::test_b")})
    assert run.outcomes() == {"test_a.py::test_a": "error", "test_a.py::test_b": "error"}
    for test_id in run.tests:
        assert run.message(test_id) == ("not run: could not import conftest.py: "
                                        "ModuleNotFoundError: No module named 'a_module_nobody_installed'")

    ok = write(tmp_path / "ok", {"test_a.py": "def test_a():\n    pass\n"})
    run = run_job(ok, {"tests": pytest_tests("test_a.py::test_a"), "pytest_args": ["--no-such-option"]})
    assert run.outcomes() == {"test_a.py::test_a": "error"}
    assert run.message("test_a.py::test_a") == ("not run: pytest rejected the options: "
                                                "unrecognized arguments: --no-such-option")

    stops = write(tmp_path / "stops", {
        "conftest.py": "raise KeyboardInterrupt\n",
        "test_a.py": "def test_a():\n    pass\n",
    })
    run = run_job(stops, {"tests": pytest_tests("test_a.py::test_a")})
    assert run.outcomes() == {"test_a.py::test_a": "error"}
    assert_one_line(run.message("test_a.py::test_a"))
    assert "KeyboardInterrupt" in run.message("test_a.py::test_a") and "conftest.py" in run.message("test_a.py::test_a")
    assert run.done == {"done": True, "crash": None}


def test_a_file_that_cannot_be_imported_keeps_the_other_files(tmp_path):
    root = write(tmp_path / "p", {
        "test_good.py": "def test_good():\n    pass\n",
        "test_missing.py": "import a_module_nobody_installed\n\ndef test_m():\n    pass\n",
        "test_exits.py": "import sys\nsys.exit(3)\n\ndef test_e():\n    pass\n",
    })
    run = run_job(root, {"tests": pytest_tests("test_good.py::test_good", "test_missing.py::test_m",
                                               "test_exits.py::test_e")})
    assert run.outcomes() == {"test_good.py::test_good": "passed", "test_missing.py::test_m": "error",
                              "test_exits.py::test_e": "error"}
    assert run.message("test_missing.py::test_m") == ("could not import test_missing.py: ModuleNotFoundError: "
                                                      "No module named 'a_module_nobody_installed'")
    assert run.message("test_exits.py::test_e") == "could not import test_exits.py: SystemExit: 3"


# -- collect mode -----------------------------------------------------------------------------------

def _collect_project(tmp_path):
    return write(tmp_path / "p", {
        "pyproject.toml": """
            [tool.pytest.ini_options]
            testpaths = ["tests"]
            """,
        "pkg/__init__.py": "",
        "pkg/helper.py": "def double(x):\n    return 2 * x\n",
        "pkg/mod.py": "from pkg.helper import double\n\n\ndef quad(x):\n    return double(double(x))\n",
        "pkg/lonely.py": "VALUE = 1\n",
        "vendored/site-packages/thirdparty.py": "def helper():\n    return 1\n",
        "tests/conftest.py": """
            import pytest
            from pkg import lonely

            @pytest.fixture
            def value():
                return lonely.VALUE
            """,
        "tests/test_mod.py": """
            import json
            import thirdparty
            from pkg.mod import quad

            def test_quad(value):
                assert quad(value) == 4
            """,
        "tests/unit/test_case.py": """
            import unittest

            class TestQuad(unittest.TestCase):
                def test_zero(self):
                    from pkg.mod import quad
                    self.assertEqual(quad(0), 0)
            """,
        # A second conftest.py: also named "conftest", told apart by its file.
        "tests/unit/conftest.py": """
            import pytest
            from pkg import helper

            @pytest.fixture
            def two():
                return helper.double(1)
            """,
        "tests/unit/test_fn.py": "def test_two(two):\n    assert two == 2\n",
        "tests/unit/test_dotted.py": "import pkg.mod\n\ndef test_dotted():\n    assert pkg.mod.quad(1) == 4\n",
        "tests/test_broken.py": "import a_module_nobody_installed\n",
        "other/test_elsewhere.py": "def test_elsewhere():\n    pass\n",
    })


def test_collect_reports_items_errors_reach_and_where_the_document_imports_from(tmp_path):
    root = _collect_project(tmp_path)
    sys_path = [str(root), str(root / "vendored" / "site-packages")]
    run = run_job(root, {"mode": "collect", "collect_paths": [], "target": str(root / "pkg" / "mod.py"),
                         "module": "pkg.mod", "sys_path": sys_path})
    assert run.of("collected") == [
        {"id": "tests/test_mod.py::test_quad", "file": "tests/test_mod.py", "line": 5, "kind": "pytest"},
        {"id": "tests/unit/test_case.py::TestQuad::test_zero", "file": "tests/unit/test_case.py", "line": 4,
         "kind": "pytest"},
        {"id": "tests/unit/test_dotted.py::test_dotted", "file": "tests/unit/test_dotted.py", "line": 3,
         "kind": "pytest"},
        {"id": "tests/unit/test_fn.py::test_two", "file": "tests/unit/test_fn.py", "line": 1, "kind": "pytest"},
    ], run.proc.stderr
    assert run.of("collect_error") == [{"file": "tests/test_broken.py",
                                        "message": "ModuleNotFoundError: No module named 'a_module_nobody_installed'"}]
    reach = {r["file"]: r for r in run.of("reach")}
    # The test module's own imports, what they import, their packages, and the conftest its fixture comes
    # from; never the standard library or anything in a site-packages folder.
    assert reach["tests/test_mod.py"]["modules"] == ["conftest", "pkg", "pkg.helper", "pkg.lonely", "pkg.mod"]
    assert reach["tests/test_mod.py"]["files"] == ["pkg/__init__.py", "pkg/helper.py", "pkg/lonely.py", "pkg/mod.py",
                                                   "tests/conftest.py"]
    # Imported inside a method only: nothing in the module's globals reaches it.
    assert reach["tests/unit/test_case.py"]["modules"] == []
    assert reach["tests/unit/test_fn.py"]["files"] == ["pkg/__init__.py", "pkg/helper.py", "tests/unit/conftest.py"]
    # `import pkg.mod` binds `pkg`: the package is followed into its submodules.
    assert {"pkg/mod.py", "pkg/helper.py"} <= set(reach["tests/unit/test_dotted.py"]["files"])
    assert run.of("doc_module") == [{"name": "pkg.mod", "file": str(root / "pkg" / "mod.py"), "error": ""}]
    assert run.of("pytest") == [pytest.__version__]
    assert not (root / ".pytest_cache").exists()

    run = run_job(root, {"mode": "collect", "collect_paths": ["other", "nowhere"], "module": "pkg.missing",
                         "sys_path": sys_path})
    assert [c["id"] for c in run.of("collected")] == ["other/test_elsewhere.py::test_elsewhere"]
    assert run.of("collect_error") == [{"file": "nowhere", "message": "file or folder not found"}]
    assert run.of("doc_module") == [{"name": "pkg.missing", "file": "",
                                     "error": "ModuleNotFoundError: No module named 'pkg.missing'"}]


def test_a_root_given_through_a_symlink_keeps_ids_and_testpaths(tmp_path):
    real = _collect_project(tmp_path)
    link = tmp_path / "link"
    link.symlink_to(real)
    sys_path = [str(link), str(link / "vendored" / "site-packages")]
    run = run_job(link, {"mode": "collect", "sys_path": sys_path})
    assert [c["id"] for c in run.of("collected")] == ["tests/test_mod.py::test_quad",
                                                      "tests/unit/test_case.py::TestQuad::test_zero",
                                                      "tests/unit/test_dotted.py::test_dotted",
                                                      "tests/unit/test_fn.py::test_two"], run.proc.stderr
    run = run_job(link, {"tests": pytest_tests("tests/test_mod.py::test_quad"), "sys_path": sys_path})
    assert run.outcomes() == {"tests/test_mod.py::test_quad": "passed"}


def test_reach_reads_globals_without_running_user_code(tmp_path):
    root = write(tmp_path / "p", {
        "pkg/__init__.py": "",
        "pkg/spy.py": """
            import os
            import sys

            def touched(kind):
                # pytest itself looks at module attributes while collecting; only the probe is under
                # test: mark when the first caller outside this package is the runner.
                frame = sys._getframe(1)
                while frame is not None and frame.f_code.co_filename.startswith(os.path.dirname(__file__)):
                    frame = frame.f_back
                if frame is not None and os.path.basename(os.path.dirname(frame.f_code.co_filename)) == "probe":
                    open(os.environ["MARKER"] + "-" + kind, "w").close()
            """,
        "pkg/lazy.py": """
            from pkg.spy import touched

            def __getattr__(name):  # PEP 562
                touched("module-getattr")
                raise AttributeError(name)
            """,
        "pkg/proxy.py": """
            from pkg.spy import touched

            class Meta(type):
                def __getattribute__(cls, name):
                    touched("meta")
                    return type.__getattribute__(cls, name)

            class Proxy(metaclass=Meta):
                @property
                def __class__(self):
                    touched("class")
                    return int

                def __getattr__(self, name):
                    touched("getattr")
                    raise AttributeError(name)

            PROXY = Proxy()
            """,
        "test_reach.py": """
            from pkg import lazy
            from pkg.proxy import PROXY, Proxy

            def test_nothing():
                pass
            """,
    })
    marker = tmp_path / "marker"
    os.environ["MARKER"] = str(marker)
    try:
        run = run_job(root, {"mode": "collect"})
    finally:
        del os.environ["MARKER"]
    assert run.of("reach") == [{"file": "test_reach.py", "modules": ["pkg", "pkg.lazy", "pkg.proxy", "pkg.spy"],
                                "files": ["pkg/__init__.py", "pkg/lazy.py", "pkg/proxy.py", "pkg/spy.py"]}], \
        run.proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("marker")) == []


# -- doctests, unittest-only projects, scripts ------------------------------------------------------

def test_doctests_of_a_module_inside_a_package_can_use_relative_imports(tmp_path):
    root = tmp_path / "compat"
    shutil.copytree(FIXTURES / "compat", root)
    # No sys_path at all: the runner derives the import root from the dotted name and the real path.
    run = run_job(root, {"target": str(root / "pkg" / "sub" / "rel.py"), "module": "pkg.sub.rel", "sys_path": [],
                         "tests": [{"id": "doctest:inc", "kind": "doctest"}, {"id": "doctest:rel", "kind": "doctest"},
                                   {"id": "doctest:nothing", "kind": "doctest"}]})
    assert run.outcomes() == {"doctest:inc": "failed", "doctest:rel": "passed", "doctest:nothing": "error"}
    assert run.message("doctest:inc") == "expected 4, got 3"


def test_a_unittest_only_project_runs_through_pytest(tmp_path):
    root = write(tmp_path / "p", {
        "shapes.py": "def area(w, h):\n    return w * h + 1\n",
        "tests/__init__.py": "",
        "tests/test_shapes.py": """
            import unittest
            from shapes import area

            class AreaTest(unittest.TestCase):
                def setUp(self):
                    self.width = 2

                def test_square(self):
                    self.assertEqual(area(self.width, 2), 4)

                def test_positive(self):
                    self.assertTrue(area(self.width, 1) > 0)

                @unittest.skip("later")
                def test_later(self):
                    pass

            if __name__ == "__main__":
                unittest.main()
            """,
        # Not a test_*.py name: pytest still collects a file it is given by name.
        "check_shapes.py": """
            import unittest
            from shapes import area

            class Check(unittest.TestCase):
                def test_one(self):
                    self.assertEqual(area(1, 1), 2)
            """,
    })
    run = run_job(root, {"target": str(root / "shapes.py"),
                         "tests": pytest_tests("tests/test_shapes.py::AreaTest", "check_shapes.py::Check::test_one")})
    assert run.outcomes() == {"tests/test_shapes.py::AreaTest::test_square": "failed",
                              "tests/test_shapes.py::AreaTest::test_positive": "passed",
                              "tests/test_shapes.py::AreaTest::test_later": "skipped",
                              "check_shapes.py::Check::test_one": "passed"}
    assert run.message("tests/test_shapes.py::AreaTest::test_square") == "5 != 4"


# -- tracing and the coverage map -------------------------------------------------------------------

TRACED = {
    "mod.py": """
        def clamp(x, hi):
            if x > hi:
                x = hi
            return x
        """,
    "test_mod.py": """
        from mod import clamp

        def test_clamp():
            assert clamp(5, 3) == 3
        """,
}


def _trace_job(root):
    return {"target": str(root / "mod.py"), "module": "mod", "trace": True,
            "tests": pytest_tests("test_mod.py::test_clamp"),
            "leaders": {"2": "clamp:B1", "3": "clamp:B2", "4": "clamp:B3"}, "coverage_map": True}


def test_the_tracer_records_block_visits_of_the_document(tmp_path):
    root = write(tmp_path / "p", TRACED)
    run = run_job(root, _trace_job(root))
    assert run.outcomes() == {"test_mod.py::test_clamp": "passed"}, run.proc.stderr
    expected_backend = "sys.monitoring" if sys.version_info >= (3, 12) else "sys.settrace"
    assert run.records[0]["backend"] == expected_backend
    reason = "Python %d.%d has sys.monitoring" if sys.version_info >= (3, 12) else \
        "Python %d.%d has no sys.monitoring (3.12+)"
    assert run.records[0]["backend_reason"] == reason % sys.version_info[:2]
    trace = run.traces["test_mod.py::test_clamp"]
    assert trace["truncated"] == [] and trace["skipped"] == {}  # nothing cut, nothing sampled out
    visits = run.traces["test_mod.py::test_clamp"]["visits"]
    assert [block for block, _ in visits] == ["clamp:B1", "clamp:B2", "clamp:B3"]
    assert visits[1][1]["before"]["x"] == "5" and visits[1][1]["after"]["x"] == "3"
    if sys.version_info < (3, 12):
        assert "files" not in run.tests["test_mod.py::test_clamp"]  # the map is a 3.12+ feature


# -- real pytest versions ---------------------------------------------------------------------------

VENV_SPECS = {
    "pytest62": ("3.9", ["pytest==6.2.5", "pluggy==0.13.1", "pytest-mock"]),
    "pytest74": ("3.12", ["pytest==7.4.4", "pytest-mock"]),
    # Latest 8.x; xdist and randomly installed to check that they are blocked (order kept, no workers).
    "pytest8": ("3.13", ["pytest>=8,<9", "pytest-mock", "pytest-xdist", "pytest-randomly"]),
    "pytest54": ("3.8", ["pytest==5.4.3"]),
}


def _base_python(minor):
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{minor}.*/bin/python")))
    return found[-1] if found else shutil.which(f"python{minor}")


def venv_python(name):
    """The venv's interpreter, built on first use; skips the test when it cannot be built."""
    minor, requirements = VENV_SPECS[name]
    path = VENVS / name
    python = path / "bin" / "python"
    spec = path / ".tracefix-spec"
    wanted = json.dumps(requirements)
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / (name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs must not build one venv at once
        if python.exists() and spec.exists() and spec.read_text() == wanted:
            return str(python)
        base = _base_python(minor)
        if base is None:
            pytest.skip(f"no Python {minor} to build the {name} venv with")
        shutil.rmtree(path, ignore_errors=True)
        try:
            subprocess.run([base, "-m", "venv", str(path)], check=True, capture_output=True, timeout=300)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
                           check=True, capture_output=True, text=True, timeout=900)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(path, ignore_errors=True)
            detail = (getattr(exc, "stderr", "") or "").strip().splitlines()
            pytest.skip(f"could not build the {name} venv (no network?): {detail[-1] if detail else exc}")
        spec.write_text(wanted)
    return str(python)


def _venv_version(python, dist):
    out = subprocess.run([python, "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
                         capture_output=True, text=True, env=child_env())
    return out.stdout.strip()


COMPAT_RUN = {
    "tests/test_calc.py::test_add": "passed",
    "tests/test_calc.py::test_mean": "failed",
    "tests/test_calc.py::test_add_cases[1-2-3]": "passed",
    "tests/test_calc.py::test_add_cases[2-2-5]": "failed",
    "tests/test_calc.py::TestAddCase::test_zero": "passed",
    "tests/test_calc.py::test_with_mocker": "passed",
    "tests/test_calc.py::test_interrupts": "error",
    "tests/test_calc.py::test_runs_after_the_interrupt": "passed",
    "doctest:add": "passed",
    "doctest:calc": "passed",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["pytest62", "pytest74", "pytest8"])
def test_real_pytest_versions_collect_and_run_a_project(tmp_path, name):
    python = venv_python(name)
    root = tmp_path / "compat"
    shutil.copytree(FIXTURES / "compat", root)
    version = _venv_version(python, "pytest")
    common = {"target": str(root / "pkg" / "calc.py"), "module": "pkg.calc", "sys_path": [str(root)],
              "pytest_args": ["-p", "pytest_mock", "--strict-markers", "-m", "not slow"]}

    collected = run_job(root, {**common, "mode": "collect", "collect_paths": []}, python=python)
    assert [c["id"] for c in collected.of("collected")] == [t for t in COMPAT_RUN if "::" in t], collected.proc.stderr
    assert collected.of("collect_error") == []
    assert collected.of("pytest") == [version]
    (reach,) = collected.of("reach")
    assert reach["files"] == ["pkg/__init__.py", "pkg/calc.py", "tests/conftest.py"]
    assert collected.of("doc_module") == [{"name": "pkg.calc", "file": str(root / "pkg" / "calc.py"), "error": ""}]

    tests = pytest_tests("tests/test_calc.py") + [{"id": "doctest:add", "kind": "doctest"},
                                                  {"id": "doctest:calc", "kind": "doctest"}]
    run = run_job(root, {**common, "tests": tests, "coverage_map": True}, python=python)
    assert run.outcomes() == COMPAT_RUN, run.proc.stderr
    # The tests ran in file order: pytest-randomly (installed in the 8.x venv) was blocked.
    assert run.starts == list(COMPAT_RUN)
    assert run.message("tests/test_calc.py::test_interrupts") == "KeyboardInterrupt was raised during the test"
    assert run.tests["tests/test_calc.py::test_mean"]["comparison"] == {"op": "==", "left": "2.0", "right": "3"}
    assert run.of("pytest") == [version]
    if name != "pytest62":  # Python 3.12+: the per-test coverage map
        assert run.tests["tests/test_calc.py::test_add"]["files"] == ["pkg/calc.py", "tests/conftest.py",
                                                                     "tests/test_calc.py"]
        assert run.tests["doctest:add"]["files"] == ["pkg/calc.py"]
    else:
        assert "files" not in run.tests["tests/test_calc.py::test_add"]
    assert not (root / ".pytest_cache").exists()


@pytest.mark.slow
def test_pluggy_0_13_is_what_the_pytest_6_2_venv_runs():
    python = venv_python("pytest62")
    assert _venv_version(python, "pluggy") == "0.13.1"


@pytest.mark.slow
def test_tracing_under_sys_monitoring_in_a_pytest_7_venv(tmp_path):
    python = venv_python("pytest74")
    root = write(tmp_path / "p", TRACED)
    run = run_job(root, _trace_job(root), python=python)
    assert run.outcomes() == {"test_mod.py::test_clamp": "passed"}, run.proc.stderr
    assert run.records[0]["backend"] == "sys.monitoring"
    assert [b for b, _ in run.traces["test_mod.py::test_clamp"]["visits"]] == ["clamp:B1", "clamp:B2", "clamp:B3"]
    assert run.tests["test_mod.py::test_clamp"]["files"] == ["mod.py", "test_mod.py"]


@pytest.mark.slow
def test_pytest_older_than_6_2_is_one_clear_line(tmp_path):
    python = venv_python("pytest54")
    root = tmp_path / "compat"
    shutil.copytree(FIXTURES / "compat", root)
    job = {"target": str(root / "pkg" / "calc.py"), "module": "pkg.calc",
           "tests": pytest_tests("tests/test_calc.py::test_add") + [{"id": "doctest:add", "kind": "doctest"}]}
    run = run_job(root, job, python=python)
    line = "pytest 5.4 is too old: tracefix needs pytest 6.2 or newer"
    assert run.tests["tests/test_calc.py::test_add"] == {"id": "tests/test_calc.py::test_add", "outcome": "error",
                                                          "message": line}
    assert run.outcomes()["doctest:add"] == "passed"  # doctests need no pytest
    assert [r for r in run.records if "pytest" in r] == [{"pytest": "5.4.3", "pytest_problem": line}]
    collected = run_job(root, {**job, "mode": "collect"}, python=python)
    assert [r for r in collected.records if "pytest" in r] == [{"pytest": "5.4.3", "pytest_problem": line}]
    assert collected.of("collected") == [] and collected.done == {"done": True, "crash": None}


def _fallback_folder(tmp_path):
    """tracefix's own pytest and its dependencies as symlinks, the way the server hands them over."""
    folder = tmp_path / "fallback"
    folder.mkdir()
    for dist_name in ("pytest", "pluggy", "iniconfig", "packaging", "pygments"):
        dist = metadata.distribution(dist_name)
        for top in {f.parts[0] for f in dist.files or [] if f.parts and f.parts[0] not in ("..", "__pycache__")}:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (folder / top).exists():
                (folder / top).symlink_to(source)
    return folder


def test_an_interpreter_without_pytest_uses_tracefix_copy_without_plugins(tmp_path):
    python = _base_python("3.12")
    if python is None or subprocess.run([python, "-c", "import pytest"], capture_output=True).returncode == 0:
        pytest.skip("needs a Python 3.12 without pytest")
    root = write(tmp_path / "p", TRACED)
    run = run_job(root, {**_trace_job(root), "pytest_fallback": [str(_fallback_folder(tmp_path))]}, python=python)
    assert run.outcomes() == {"test_mod.py::test_clamp": "passed"}, run.proc.stderr
    assert run.of("pytest") == [pytest.__version__]

    run = run_job(root, {**_trace_job(root), "pytest_fallback": []}, python=python)
    message = run.message("test_mod.py::test_clamp")
    assert run.outcomes() == {"test_mod.py::test_clamp": "error"}
    assert message.startswith("pytest is not installed for Python 3.12") and "pip install pytest" in message
    assert run.of("pytest_problem") == [message]


def test_without_the_jail_the_fallback_serves_the_buffer_before_any_user_code(tmp_path):
    if not (RUNNER.parent / "fallback.py").exists():
        pytest.skip("probe/fallback.py is not there yet")
    root = write(tmp_path / "p", TRACED)
    scratch = tmp_path / "p-job"
    scratch.mkdir()
    copy = scratch / "buffer.py"
    copy.write_text("def clamp(x, hi):\n    return 'from the buffer'\n")
    job = {**_trace_job(root), "fallback": {"writable": [str(scratch)],
                                            "buffer": {"path": str(root / "mod.py"), "copy": str(copy)}}}
    # Writes may be confined to the scratch (Landlock): pytest's temporary files go there, as the server sets it.
    run = run_job(root, job, env={"TMPDIR": str(scratch), "HOME": str(scratch)})
    assert "unsaved buffer served by an import hook" in run.records[0]["fallback"], run.records[0]
    assert run.outcomes() == {"test_mod.py::test_clamp": "failed"}, run.proc.stderr
    assert run.tests["test_mod.py::test_clamp"]["comparison"]["left"] == "'from the buffer'"


def test_the_backend_is_chosen_by_one_rule_with_its_reason():
    """contract.choose_backend: what the runner applies once per job and `tracefix doctor` shows."""
    from tracefix.contract import choose_backend

    assert choose_backend("auto", (3, 11)) == ("sys.settrace", "Python 3.11 has no sys.monitoring (3.12+)")
    assert choose_backend("auto", (3, 13)) == ("sys.monitoring", "Python 3.13 has sys.monitoring")
    assert choose_backend("monitoring", (3, 10))[0] == "sys.settrace"  # asked for, but not there
    assert choose_backend("settrace", (3, 13)) == ("sys.settrace", "settrace asked for by the job")
    held = choose_backend("auto", (3, 12), monitoring_free=False)
    assert held[0] == "sys.settrace" and "tool id" in held[1]


@pytest.mark.slow
def test_a_job_asking_for_settrace_on_3_12_gets_it_and_says_why(tmp_path):
    python = venv_python("pytest74")  # CPython 3.12
    root = write(tmp_path / "p", TRACED)
    run = run_job(root, {**_trace_job(root), "backend": "settrace"}, python=python)
    assert run.outcomes() == {"test_mod.py::test_clamp": "passed"}, run.proc.stderr
    assert (run.records[0]["backend"], run.records[0]["backend_reason"]) == ("sys.settrace",
                                                                             "settrace asked for by the job")
    assert [b for b, _ in run.traces["test_mod.py::test_clamp"]["visits"]] == ["clamp:B1", "clamp:B2", "clamp:B3"]
