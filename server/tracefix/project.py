"""The project a document belongs to (DESIGN.md §1 step 2): root, interpreter, import roots, pytest config.

Found the way pytest finds its rootdir: the nearest folder above the document with
an ini file that has a pytest section (pytest.ini, pyproject.toml
``[tool.pytest.ini_options]``, tox.ini ``[pytest]``, setup.cfg ``[tool:pytest]``),
else the nearest with setup.py / pyproject.toml / a VCS folder, else the top of the
document's package. Nothing here imports or runs project code, and only regular
files are read (a FIFO named pytest.ini must not block us).
"""
from __future__ import annotations

import configparser
import hashlib
import os
import shlex
import stat
import sys
from dataclasses import dataclass, field

INI_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
ROOT_MARKERS = ("setup.py", "pyproject.toml", ".git", ".hg")
MAX_CONFIG_BYTES = 1_000_000
VENV_DIRS = (".venv", "venv", "env", ".env")
# pytest's default norecursedirs (a project's ini replaces it, as in pytest).
NORECURSEDIRS = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")
# Options of the project's addopts that would change how tracefix drives pytest: they go, the rest stays.
DROP_FLAGS = {"-x", "--exitfirst", "--lf", "--last-failed", "--ff", "--failed-first", "--nf", "--new-first",
              "--sw", "--stepwise", "--pdb", "--trace", "-q", "--quiet", "-v", "--verbose", "-s", "--showlocals",
              "-l", "--no-cov", "--cov-fail-under", "--looponfail", "-f", "--co", "--collect-only", "--setup-show",
              "--runxfail", "--cache-clear", "--doctest-modules", "--no-header", "--no-summary"}
DROP_WITH_VALUE = {"-n", "--numprocesses", "--dist", "--maxprocesses", "--cov", "--cov-report", "--cov-config",
                   "--tb", "-r", "--durations", "--maxfail", "--junitxml", "--junit-xml", "--color", "--code-highlight",
                   "--html", "--basetemp", "-W", "--count", "-p", "--rootdir", "-c", "--confcutdir", "--deselect",
                   "--ignore", "--ignore-glob", "-k", "--timeout"}
KEEP_WITH_VALUE = {"-m", "--import-mode", "-o", "--override-ini"}
# The runner switches these plugins off (random order and parallel workers change what a run means).
SWITCHED_OFF_PLUGINS = {"randomly", "xdist", "pytest_randomly", "cacheprovider"}
DROP_PREFIXES = ("--randomly", "--tx", "--rsyncdir", "--dist", "--numprocesses", "--maxprocesses", "-p no:randomly")
DROP_PREFIX_WITH_VALUE = {"--randomly-seed", "--tx", "--rsyncdir", "--dist"}


@dataclass(frozen=True)
class Project:
    root: str  # absolute, real path: pytest's rootdir and the child's cwd
    inifile: str  # "" when none has a pytest section
    python: str  # the interpreter as given or found (not resolved: venvs are symlinks to one base)
    python_source: str  # "setting", "project venv" or "tracefix"
    import_roots: tuple[str, ...]  # folders the child puts first on sys.path
    ini: dict = field(default_factory=dict, hash=False, compare=False)  # pytest options from the inifile

    @property
    def testpaths(self) -> list[str]:
        return _split_list(self.ini.get("testpaths", ""))

    @property
    def python_files(self) -> list[str]:
        return _split_list(self.ini.get("python_files", "")) or ["test_*.py", "*_test.py"]

    @property
    def norecursedirs(self) -> list[str]:
        """Folder-name patterns pytest never recurses into: the ini's, else pytest's default."""
        if "norecursedirs" in self.ini:
            return _split_list(self.ini["norecursedirs"])
        return list(NORECURSEDIRS)

    def pytest_args(self) -> list[str]:
        """The project's addopts that keep their meaning under tracefix, plus its ``-p`` plugins."""
        return filter_addopts(self.ini.get("addopts", ""))

    def relative(self, path: str) -> str:
        return os.path.relpath(os.path.realpath(path), self.root).replace(os.sep, "/")

    def key(self) -> str:
        """Identifies (project, environment): caches and warm workers are per key."""
        text = "\0".join((self.root, self.python, _prefix_of(self.python)))
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def find(doc_path: str, python_setting: str = "") -> Project:
    doc = os.path.realpath(doc_path)
    folder = os.path.dirname(doc)
    root, inifile, ini = _find_root(folder)
    python, source = _interpreter(root, python_setting)
    return Project(root=root, inifile=inifile, python=python, python_source=source,
                   import_roots=tuple(import_roots(root, folder)), ini=ini)


def _find_root(folder: str) -> tuple[str, str, dict]:
    for candidate in _ancestors(folder):
        for name in INI_FILES:
            path = os.path.join(candidate, name)
            ini = read_ini(path)
            if ini is not None:
                return candidate, path, ini
    for candidate in _ancestors(folder):
        if any(os.path.exists(os.path.join(candidate, m)) for m in ROOT_MARKERS):
            return candidate, "", {}
    return package_top(folder), "", {}


def _ancestors(folder: str):
    home = os.path.realpath(os.path.expanduser("~"))
    while True:
        yield folder
        parent = os.path.dirname(folder)
        # Never climb above HOME or to "/": a stray ~/pytest.ini must not make HOME the project.
        if parent == folder or folder == home or parent == "/":
            return
        folder = parent


def package_top(folder: str) -> str:
    """The folder above every enclosing package (a dir with __init__.py)."""
    top = folder
    while _is_regular(os.path.join(top, "__init__.py")) and os.path.dirname(top) != top:
        top = os.path.dirname(top)
    return top


def read_ini(path: str) -> dict | None:
    """The pytest section of an ini file as {option: raw string}; None when it has none."""
    text = read_small(path)
    if text is None:
        return None
    name = os.path.basename(path)
    if name == "pyproject.toml":
        return _toml_section(text)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    section = {"pytest.ini": "pytest", ".pytest.ini": "pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest"}[name]
    if parser.has_section(section):
        return dict(parser.items(section))
    return {} if name in ("pytest.ini", ".pytest.ini") else None  # pytest.ini counts even when empty


def _toml_section(text: str) -> dict | None:
    try:
        import tomllib
    except ImportError:  # Python 3.10: pytest's own dependency
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except (ValueError, TypeError):
        return None
    section = data.get("tool", {}).get("pytest", {}).get("ini_options")
    if not isinstance(section, dict):
        return None
    return {k: " ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in section.items()}


def read_small(path: str) -> str | None:
    """A small regular file's text; None for anything else (missing, FIFO, device, too big)."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_CONFIG_BYTES:
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            return f.read(MAX_CONFIG_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _interpreter(root: str, setting: str) -> tuple[str, str]:
    if setting and setting.strip():
        return setting.strip(), "setting"
    for name in VENV_DIRS:
        for rel in (("bin", "python"), ("Scripts", "python.exe")):
            candidate = os.path.join(root, name, *rel)
            if os.path.exists(candidate) and os.path.exists(os.path.join(root, name, "pyvenv.cfg")):
                return candidate, "project venv"
    return sys.executable, "tracefix"


def _prefix_of(python: str) -> str:
    """The venv a python belongs to: two venvs of one base Python resolve to the same binary."""
    folder = os.path.dirname(os.path.abspath(python))
    cfg = os.path.join(os.path.dirname(folder), "pyvenv.cfg")
    return os.path.dirname(folder) if os.path.exists(cfg) else os.path.realpath(python)


def import_roots(root: str, doc_folder: str) -> list[str]:
    """Where imports start, first wins: the document's package top (so tests import the file being
    debugged, not an installed copy), a src/ folder (src layout), the root (flat layout)."""
    roots = [package_top(doc_folder)]
    src = os.path.join(root, "src")
    if os.path.isdir(src):
        roots.append(src)
    roots.append(root)
    return list(dict.fromkeys(roots))


def module_name(doc_path: str, roots: tuple[str, ...] | list[str]) -> str:
    """The dotted name tests import the document by ("pkg.sub.mod"); namespace packages included."""
    doc = os.path.realpath(doc_path)
    stem = os.path.splitext(os.path.basename(doc))[0]
    folder = os.path.dirname(doc)
    top = package_top(folder)
    if top != folder:
        rel = os.path.relpath(os.path.join(folder, stem), top)
        return rel.replace(os.sep, ".")
    for r in roots:
        if _inside(folder, r) and folder != r:
            parts = os.path.relpath(folder, r).split(os.sep)
            if all(p.isidentifier() for p in parts):  # a namespace package under an import root
                return ".".join(parts + [stem])
    return stem


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _split_list(raw: str) -> list[str]:
    try:
        return shlex.split(raw.replace("\n", " "))
    except ValueError:
        return raw.split()


def filter_addopts(raw: str) -> list[str]:
    """Keep what changes which tests exist or how they run (markers, plugins' options); drop the rest."""
    words = _split_list(raw)
    kept: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        name = word.split("=", 1)[0]
        takes_value = "=" not in word and i + 1 < len(words)
        if name == "-p" or word.startswith("-p") and len(word) > 2 and not word.startswith("--"):
            plugin = words[i + 1] if word == "-p" and takes_value else word[2:]
            if plugin.split(".")[0] not in SWITCHED_OFF_PLUGINS:
                kept += ["-p", plugin]
            i += 2 if word == "-p" else 1
        elif name.startswith(DROP_PREFIXES):  # options of plugins the runner switches off
            i += 2 if (takes_value and word == name and name in DROP_PREFIX_WITH_VALUE) else 1
        elif name in DROP_WITH_VALUE or any(word.startswith(f) and len(f) == 2 and len(word) > 2
                                             for f in ("-n", "-r", "-W", "-k", "-c")):
            i += 2 if (takes_value and name in DROP_WITH_VALUE and word == name) else 1
        elif name in DROP_FLAGS or name.startswith("--cov"):
            i += 1
        elif name in KEEP_WITH_VALUE and word == name and takes_value:
            kept += [word, words[i + 1]]
            i += 2
        else:
            kept.append(word)
            i += 1
    return kept


def cache_dir() -> str:
    """tracefix's own cache folder (the jail hides it from every child)."""
    base = os.environ.get("TRACEFIX_CACHE_DIR")
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("tracefix", appauthor=False)
    os.makedirs(base, mode=0o700, exist_ok=True)
    return base
