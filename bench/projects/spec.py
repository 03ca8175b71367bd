"""The real-project corpus: open-source pure-Python projects at pinned versions.

Each project is fetched as its sdist from PyPI at benchmark time (nothing of theirs is committed),
unpacked into a cache folder and installed editable into its own venv with the test dependencies
pinned here, so that its own suite runs there with plain `pytest` from the project root.

``layout`` tags say what each one exercises:
  src            code under src/<pkg>
  flat           the package at the project root
  root-tests     a root tests/ tree mirroring the package
  pkg-tests      tests inside the package (pkg/tests/..., pkg/test_*.py)
  root-testfile  a single test module at the project root
  unittest       unittest.TestCase suites
  doctest        doctests collected by the project's own pytest configuration
  conftest       conftest.py fixtures
  plugin         a pytest plugin the tests need (pytest-mock's `mocker`, hypothesis)
  importlib      pytest's --import-mode=importlib and `pythonpath` ini option
"""
from __future__ import annotations

from dataclasses import dataclass

PYTEST = "pytest==8.3.5"


@dataclass(frozen=True)
class Project:
    name: str  # PyPI name
    version: str
    package: str  # folder of the import package, relative to the project root
    layout: tuple[str, ...]
    test_deps: tuple[str, ...] = (PYTEST,)
    pytest_args: tuple[str, ...] = ()  # extra args after `pytest`, if the project needs any
    skip_modules: tuple[str, ...] = ()  # modules (relative paths) never mutated
    notes: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def test_command(self) -> str:
        return " ".join(("pytest",) + self.pytest_args)


PROJECTS: list[Project] = [
    Project("cachetools", "5.3.3", "src/cachetools", ("src", "root-tests", "unittest"),
            notes="cache classes and decorators; tests/ is a package of unittest.TestCase mixins"),
    Project("toolz", "0.12.1", "toolz", ("flat", "pkg-tests"),
            skip_modules=("toolz/_version.py", "toolz/compatibility.py"),
            notes="functional utilities; tests live in toolz/tests/ (and toolz/sandbox/tests/)"),
    Project("natsort", "8.4.0", "natsort", ("flat", "root-tests", "conftest", "plugin"),
            test_deps=(PYTEST, "pytest-mock==3.14.0", "hypothesis==6.131.0"),
            skip_modules=("natsort/unicode_numeric_hex.py", "natsort/__main__.py"),
            notes="tests/conftest.py fixtures, pytest-mock's `mocker` and hypothesis"),
    Project("python-dotenv", "1.0.1", "src/dotenv", ("src", "root-tests", "conftest"),
            test_deps=(PYTEST, "click==8.1.7", "sh==2.0.7"),
            skip_modules=("src/dotenv/ipython.py", "src/dotenv/__main__.py", "src/dotenv/version.py"),
            notes="tests/ mirrors the modules (test_main, test_parser, test_variables); conftest fixtures"),
    Project("semver", "3.0.2", "src/semver", ("src", "root-tests", "doctest", "importlib", "conftest"),
            test_deps=(PYTEST, "pytest-cov==5.0.0"),
            skip_modules=("src/semver/__about__.py", "src/semver/__main__.py", "src/semver/_types.py"),
            notes="setup.cfg addopts: --doctest-modules --doctest-glob='*.rst' --import-mode=importlib --cov"),
    Project("iso8601", "2.1.0", "iso8601", ("flat", "pkg-tests", "plugin"),
            test_deps=(PYTEST, "hypothesis==6.131.0", "pytz==2024.2"),
            notes="one module, its tests in iso8601/test_iso8601.py (hypothesis)"),
    Project("jmespath", "1.0.1", "jmespath", ("flat", "root-tests", "unittest"),
            skip_modules=("jmespath/compat.py",),
            notes="unittest.TestCase suites plus data-driven compliance tests"),
    Project("inflection", "0.5.1", "inflection", ("flat", "root-testfile"),
            notes="one module; one parametrized test file at the project root"),
]

BY_NAME = {p.name: p for p in PROJECTS}
