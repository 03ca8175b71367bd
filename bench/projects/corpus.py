"""Corpus machinery: fetch a project's sdist, unpack it, give it its own venv, run its own suite.

Cache layout (``TRACEFIX_BENCH_CACHE``, default ~/.cache/tracefix-bench/projects):

  sdists/<file>.tar.gz       what `pip download --no-binary :all:` fetched
  pristine/<key>/            the unpacked sdist, never written after unpacking
  work/<key>/                a copy the venv is installed from (editable); bugs are written into it
                             one at a time and always restored (its files are checked against pristine)
  venvs/<key>-py<X.Y>/       the project's own venv
  state/<key>-py<X.Y>.json   baseline outcomes, suite time, the lines the suite executes

Every suite run is plain `pytest` from the project root with the project's venv first on PATH,
plus two observers: `-p no:cacheprovider` (no state carried between runs) and `-p tfbench_outcomes`
(per-test outcomes as JSON; see plugin/). Bytecode is never written, so a mutant cannot be masked
by a stale .pyc.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.projects.spec import Project

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"
DEFAULT_CACHE = Path(os.environ.get("TRACEFIX_BENCH_CACHE", Path.home() / ".cache" / "tracefix-bench" / "projects"))
# Files a test run may leave in the work tree; never part of the comparison with pristine.
SCRATCH_NAMES = {"__pycache__", ".pytest_cache", ".hypothesis", ".coverage", "coverage.xml", ".tox", ".eggs"}


def default_python() -> str:
    """A CPython 3.12 for the project venvs (sys.monitoring path), else the one running this."""
    env = os.environ.get("TFBENCH_PYTHON")
    if env:
        return env
    found = sorted(glob.glob(str(Path.home() / ".pyenv" / "versions" / "3.12*" / "bin" / "python")))
    return found[-1] if found else (shutil.which("python3.12") or sys.executable)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

@dataclass
class Proc:
    returncode: int | None  # None: timed out (whole process group killed)
    stdout: str
    stderr: str
    seconds: float


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> Proc:
    """Run ``cmd`` in its own process group; on timeout kill the group and report None."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            code = None
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return Proc(code, out.read().decode(errors="replace"), err.read().decode(errors="replace"), seconds)


# ---------------------------------------------------------------- one project on disk

@dataclass
class Setup:
    project: Project
    cache: Path
    python: str  # base interpreter the venv is made from

    def __post_init__(self):
        self.py_tag = "py" + run([self.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 Path.cwd(), timeout=60).stdout.strip()

    @property
    def pristine(self) -> Path:
        return self.cache / "pristine" / self.project.key

    @property
    def root(self) -> Path:
        return self.cache / "work" / self.project.key

    @property
    def venv(self) -> Path:
        return self.cache / "venvs" / f"{self.project.key}-{self.py_tag}"

    @property
    def venv_python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def state_file(self) -> Path:
        return self.cache / "state" / f"{self.project.key}-{self.py_tag}.json"

    # -- fetch and unpack

    def fetch(self) -> Path:
        sdists = self.cache / "sdists"
        sdists.mkdir(parents=True, exist_ok=True)
        found = self._sdist(sdists)
        if found is None:
            log(f"  fetching {self.project.name}=={self.project.version} (sdist)")
            res = run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                       f"{self.project.name}=={self.project.version}", "-d", str(sdists)], sdists, timeout=300)
            found = self._sdist(sdists)
            if found is None:
                raise RuntimeError(f"pip download failed for {self.project.key}: {res.stderr.strip()[-400:]}")
        return found

    def _sdist(self, folder: Path) -> Path | None:
        stems = {f"{self.project.name}-{self.project.version}".lower(),
                 f"{self.project.name.replace('-', '_')}-{self.project.version}".lower()}
        for path in sorted(folder.iterdir()):
            for ext in (".tar.gz", ".zip", ".tar.bz2"):
                if path.name.endswith(ext) and path.name[: -len(ext)].lower() in stems:
                    return path
        return None

    def unpack(self) -> None:
        if self.pristine.exists():
            return
        sdist = self.fetch()
        tmp = Path(tempfile.mkdtemp(dir=self.cache))
        try:
            if sdist.name.endswith(".zip"):
                with zipfile.ZipFile(sdist) as zf:
                    zf.extractall(tmp)
            else:
                with tarfile.open(sdist) as tf:
                    if hasattr(tarfile, "data_filter"):
                        tf.extractall(tmp, filter="data")
                    else:
                        tf.extractall(tmp)
            (top,) = [p for p in tmp.iterdir() if p.is_dir()]
            self.pristine.parent.mkdir(parents=True, exist_ok=True)
            top.rename(self.pristine)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for path in self.pristine.rglob("*"):  # read-only: nothing may write into the pristine tree
            if path.is_file():
                path.chmod(0o444)

    def make_work_copy(self) -> None:
        if self.root.exists():
            return
        self.root.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.pristine, self.root)
        for path in self.root.rglob("*"):
            if path.is_file():
                path.chmod(0o644)

    # -- venv

    def install(self) -> None:
        marker = self.venv / ".tfbench-installed"
        want = json.dumps({"deps": list(self.project.test_deps), "root": str(self.root)})
        if marker.exists() and marker.read_text() == want:
            return
        shutil.rmtree(self.venv, ignore_errors=True)
        log(f"  venv {self.venv.name}: {self.python}")
        res = run([self.python, "-m", "venv", str(self.venv)], self.cache, timeout=300)
        if res.returncode != 0:
            raise RuntimeError(f"venv failed: {res.stderr.strip()[-400:]}")
        pip = [str(self.venv_python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        for args in (list(self.project.test_deps), ["-e", str(self.root)]):
            res = run(pip + args, self.root, timeout=900)
            if res.returncode != 0:
                raise RuntimeError(f"pip install {' '.join(args)} failed: {res.stderr.strip()[-600:]}")
        marker.write_text(want)

    def prepare(self) -> None:
        self.unpack()
        self.make_work_copy()
        self.check_work_tree()
        self.install()

    # -- the work tree stays equal to pristine between bugs

    def tree_digest(self, root: Path) -> dict[str, str]:
        out = {}
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if any(part in SCRATCH_NAMES or part.endswith(".egg-info") for part in rel.parts):
                continue
            if path.is_file():
                out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
        return out

    def check_work_tree(self) -> None:
        """Restore any file of the work tree that differs from pristine (an interrupted run)."""
        pristine, work = self.tree_digest(self.pristine), self.tree_digest(self.root)
        for rel, digest in pristine.items():
            if work.get(rel) != digest:
                log(f"  restoring {rel} in the work tree")
                write_source(self.root / rel, (self.pristine / rel).read_text())

    # -- running the suite

    def env(self, out: Path | None = None, lines: bool = False) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV", "COV_CORE", "COVERAGE", "TFBENCH"))}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPATH"] = str(PLUGIN_DIR)
        if out is not None:
            env["TFBENCH_OUT"] = str(out)
        if lines:
            env["TFBENCH_LINES"] = str(self.root / self.project.package)
        return env

    def as_tracefix_runs(self) -> list[str]:
        """Options that make a plain pytest run the tests as tracefix does, for timing it against tracefix:
        tracefix drops a project's `--cov` (semver's addopts measure coverage on every plain run)."""
        return ["--no-cov"] if any(dep.startswith("pytest-cov") for dep in self.project.test_deps) else []

    def pytest(self, args: list[str] = (), timeout: float = 600, lines: bool = False) -> "SuiteRun":
        self.clean_scratch()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "outcomes.json"
            cmd = [str(self.venv / "bin" / "pytest"), *self.project.pytest_args, "-p", "no:cacheprovider",
                   "-p", "tfbench_outcomes", *args]
            proc = run(cmd, self.root, env=self.env(out, lines), timeout=timeout)
            data = json.loads(out.read_text()) if out.exists() else {}
        self.clean_scratch()
        return SuiteRun(proc.returncode, proc.seconds, data.get("outcomes", {}), data.get("collect_errors", []),
                        data.get("lines", {}), proc.stdout[-3000:] + proc.stderr[-2000:], data.get("durations", {}))

    def clean_scratch(self) -> None:
        for path in list(self.root.rglob("*")):
            if path.name in {".hypothesis", ".coverage", "coverage.xml", ".pytest_cache"} or \
                    path.name.startswith(".coverage."):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                elif path.exists():
                    path.unlink()

    # -- the baseline: which tests pass on the pristine code, how long the suite takes, which lines run

    def baseline(self, refresh: bool = False) -> "Baseline":
        if self.state_file.exists() and not refresh:
            data = json.loads(self.state_file.read_text())
            if data.get("deps") == list(self.project.test_deps):
                return Baseline(**{k: v for k, v in data.items() if k in Baseline.__dataclass_fields__})
        log(f"  baseline suite of {self.project.key}")
        first = self.pytest(timeout=900)
        second = self.pytest(timeout=900, lines=True)
        if first.returncode is None or not first.outcomes:
            raise RuntimeError(f"the suite of {self.project.key} did not run: {first.tail[-1500:]}")
        passed = sorted(t for t, o in first.outcomes.items() if o == "passed" and second.outcomes.get(t) == "passed")
        not_passed = sorted(set(first.outcomes) - set(passed))
        lines = {str(Path(p).resolve().relative_to(self.root.resolve())): v for p, v in second.lines.items()
                 if Path(p).resolve().is_relative_to(self.root.resolve())}
        base = Baseline(deps=list(self.project.test_deps), python=self.py_tag, tests=len(first.outcomes),
                        passed=passed, not_passed=not_passed, seconds=round(first.seconds, 2),
                        collect_errors=[e["nodeid"] for e in first.collect_errors], lines=lines)
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(base.__dict__))
        return base


@dataclass
class SuiteRun:
    returncode: int | None
    seconds: float
    outcomes: dict[str, str]
    collect_errors: list[dict]
    lines: dict[str, list[int]]
    tail: str
    durations: dict[str, float] = field(default_factory=dict)  # node id -> seconds of its phases

    def broken(self, passed_before: list[str]) -> list[str]:
        """Tests that passed on the pristine code and did not pass here (missing counts as broken)."""
        return [t for t in passed_before if self.outcomes.get(t) != "passed"]


@dataclass
class Baseline:
    deps: list[str]
    python: str
    tests: int
    passed: list[str]
    not_passed: list[str]
    seconds: float
    collect_errors: list[str]
    lines: dict[str, list[int]] = field(default_factory=dict)


# ---------------------------------------------------------------- writing a bug into the work tree

def write_source(path: Path, text: str) -> None:
    """Write ``text`` and drop any cached bytecode of it (belt and braces: bytecode is never
    written by our runs, but a project's own tooling might have)."""
    tmp = path.with_name(path.name + ".tfbench-tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    cache = path.parent / "__pycache__"
    if cache.is_dir():
        for pyc in cache.glob(path.stem + ".*.pyc"):
            pyc.unlink()


@contextmanager
def patched(path: Path, text: str, original: str):
    """The work tree holds ``text`` at ``path`` inside the block, ``original`` again after it, always."""
    write_source(path, text)
    try:
        yield
    finally:
        write_source(path, original)
