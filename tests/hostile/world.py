"""A throwaway world for the filesystem cases of issue 12, and the real CLI run inside it.

The world is one temp folder holding everything a hostile run could damage: a fake HOME
(given to tracefix as $HOME), tracefix's data folder ($TRACEFIX_DATA_DIR, with a real
feedback store), its cache folder ($TRACEFIX_CACHE_DIR), a project with its own venv, and a venv
that tracefix itself runs on
(tracefix reached through a ``.pth`` line; nothing is installed). Snapshots of every
protected place before and after show byte-identity; files planted outside the world
(/tmp, /dev/shm, a pytest shim) carry the world's token so leftovers can be found and
removed. Shared by tests/hostile/test_hostile_fs.py and bench/hostile.py.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import cases
import snapshot

HERE = Path(__file__).resolve().parent
SERVER_SRC = str(Path(__import__("tracefix").__file__).resolve().parent.parent)
TEMP_PLACES = ("/tmp", "/var/tmp", "/dev/shm")

# Every case runs against both sandboxes tracefix has: the namespace jail, and the fallback it takes where
# user namespaces are refused (a failing ``unshare`` first on PATH stands in for such a machine).
MODES = ("namespaces", "no-namespaces")
NO_NAMESPACES_BIN = HERE / "no_namespaces_bin"


def mode_env(mode: str, env: dict | None = None) -> dict:
    env = dict(cases.secret_env() if env is None else env)
    if mode == "no-namespaces":
        env["PATH"] = f"{NO_NAMESPACES_BIN}{os.pathsep}{env.get('PATH', os.defpath)}"
    elif mode != "namespaces":
        raise ValueError(mode)
    return env

# The CLI, run in-process by a tiny launcher that records the process's own peak RSS at exit
# (getrusage of the waited child would include every test process it started).
# The CLI gets Python's own SIGINT handler: a suite started in the background of a non-interactive
# shell inherits SIGINT ignored, and so would every process below it, so that a test which sends
# itself SIGINT could not end its run there (plain pytest would not end either).
LAUNCHER = """import atexit, resource, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
from tracefix.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Cli:
    argv: list
    returncode: int | None
    stdout: str
    stderr: str
    wall_s: float
    hung: bool
    rss_kb: int
    report: dict | None = None

    @property
    def outcomes(self) -> dict[str, str]:
        return {t["id"]: t["outcome"] for t in (self.report or {}).get("tests", [])}

    @property
    def by_name(self) -> dict[str, str]:
        """Outcomes keyed by test name (``test_x``, ``TestC::test_x``): ids are relative to a project root
        that tracefix picks, the names are what the document says."""
        out = {}
        for t in (self.report or {}).get("tests", []):
            out[t["id"].split(".py::", 1)[-1]] = t["outcome"]
        return out

    @property
    def messages(self) -> list[str]:
        return cases.report_messages(self.report)


def run_cli(args: list[str], env: dict, python: str = sys.executable, cwd: str | None = None,
            wall: float = 180.0) -> Cli:
    """``tracefix ARGS`` in a fresh process; never hangs the caller (killed after ``wall`` s)."""
    fd, rss_file = tempfile.mkstemp(prefix="tracefix-hostile-rss-")
    os.close(fd)
    argv = [python, "-c", LAUNCHER, rss_file, *args]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=cwd, start_new_session=True)
    hung = False
    try:
        out, err = proc.communicate(timeout=wall)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
    try:
        rss = int(Path(rss_file).read_text() or 0)
    except (OSError, ValueError):
        rss = 0
    os.unlink(rss_file)
    run = Cli(args, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
              time.monotonic() - t0, hung, rss)
    try:
        run.report = json.loads(run.stdout) if "--json" in args and run.stdout.strip() else None
    except ValueError:
        pass
    return run


def debug(doc: Path, env: dict, *extra: str, python: str = sys.executable, wall: float = 180.0) -> Cli:
    return run_cli(["debug", str(doc), "--json", *extra], env, python, cwd=str(doc.parent), wall=wall)


def make_venv(where: Path, extra_sitedirs: tuple[str, ...] = ()) -> Path:
    """A bare venv (no pip) from the base interpreter; ``extra_sitedirs`` are reached through a .pth."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, capture_output=True)
    sp = site_packages(where)
    if extra_sitedirs:
        lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in extra_sitedirs)
        (sp / "_tracefix_dev.pth").write_text(lines)
    return where


def site_packages(venv: Path) -> Path:
    found = glob.glob(str(venv / "lib" / "python*" / "site-packages"))
    return Path(found[0]) if found else venv / "Lib" / "site-packages"


@dataclass
class World:
    root: Path
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self) -> None:
        self.root = Path(os.path.realpath(self.root))
        self.home = self.root / "home"
        self.data = self.root / "data"
        self.project = self.root / "project"
        self.other = self.root / "other"
        self.cache = self.root / "cache"  # $TRACEFIX_CACHE_DIR: tracefix's own cache, updated by tracefix itself
        self.pth_ran = self.root / "pth-ran.txt"  # written only if a planted .pth ever executes
        self.tf_venv = self.root / "tf-venv"
        self.project_venv = self.project / ".venv"

    # -- building --------------------------------------------------------------------------

    def build(self) -> "World":
        for rel, text in ((".bashrc", "export EDITOR=vi\n"), (".profile", "# login\n"),
                          (".config/app/settings.json", '{"a": 1}\n')):
            (self.home / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.home / rel).write_text(text)
        self.data.mkdir(parents=True)
        from tracefix.feedback import FeedbackStore

        store = FeedbackStore(str(self.data))
        for event in ("accept", "reject", "accept"):
            store.record({"operator": "comparison", "key": f"k-{event}"}, event)
        pkg = self.project / "pkg"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (self.project / "README.md").write_text("# project\n")
        (self.project / "sub").mkdir()
        (self.project / "sub" / "__init__.py").write_text("")
        (self.project / "sub" / "helper.py").write_text("VALUE = 1\n")
        (self.project / "data.csv").write_text("a,b\n1,2\n")
        make_venv(self.tf_venv, (sysconfig.get_paths()["purelib"], SERVER_SRC))
        make_venv(self.project_venv)
        self.other.mkdir()
        (self.other / "unrelated.py").write_text(UNRELATED)
        return self

    @property
    def tf_python(self) -> str:
        return str(self.tf_venv / "bin" / "python")

    @property
    def project_python(self) -> str:
        return str(self.project_venv / "bin" / "python")

    def env(self, mode: str = "namespaces") -> dict:
        env = {k: v for k, v in mode_env(mode).items() if not k.startswith("XDG_")}
        env.update({"HOME": str(self.home), "TRACEFIX_DATA_DIR": str(self.data),
                    "TRACEFIX_CACHE_DIR": str(self.cache)})
        return env

    def document(self, template: str = "writes_everywhere.py") -> Path:
        """The hostile document, with this world's paths prepended as CONFIG."""
        config = {"root": str(self.root), "token": self.token, "home": str(self.home), "data": str(self.data),
                  "cache": str(self.cache),
                  "project": str(self.project), "pth_ran": str(self.pth_ran),
                  "tf_site": str(site_packages(self.tf_venv)), "project_site": str(site_packages(self.project_venv))}
        doc = self.project / "pkg" / "calc.py"
        doc.write_text(f"CONFIG = {config!r}\n" + (HERE / template).read_text())
        return doc

    # -- checking --------------------------------------------------------------------------

    def protected(self) -> dict[str, Path]:
        """Places that must stay byte-identical. tracefix's cache is not among them (tracefix updates it
        itself): ``planted()`` checks that no run wrote there."""
        return {"project tree": self.project, "HOME": self.home, "data dir": self.data,
                "tracefix's site-packages": site_packages(self.tf_venv),
                "project venv site-packages": site_packages(self.project_venv)}

    def planted(self) -> list[str]:
        """Files a hostile run planted in tracefix's cache (their names say so)."""
        return sorted(str(p) for p in self.cache.rglob("*") if "planted" in p.name or self.token in p.name)

    def snapshots(self) -> dict[str, dict]:
        return {name: snapshot.snapshot(path) for name, path in self.protected().items()}

    def leftovers(self) -> list[str]:
        """Files planted outside the world (token-named) that are still there."""
        found = []
        for folder in TEMP_PLACES:
            found += glob.glob(os.path.join(folder, f"*{self.token}*"))
        for shim in glob.glob(os.path.join(tempfile.gettempdir(), "tracefix-pytest-*")):
            found += glob.glob(os.path.join(shim, f"*{self.token}*"))
        for sp in site.getsitepackages() + [sysconfig.get_paths()["purelib"]]:
            found += glob.glob(os.path.join(sp, f"*{self.token}*"))
        return sorted(set(found))

    def cleanup(self) -> None:
        for path in self.leftovers():
            try:
                os.remove(path)
            except OSError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


UNRELATED = '''def area(w, h):
    return w * h


def test_area():
    assert area(2, 3) == 6


def test_square():
    assert area(3, 3) == 6
'''
UNRELATED_OUTCOMES = {"test_area": "passed", "test_square": "failed"}


@dataclass
class FsResult:
    """One run of the filesystem scenario: what changed where, and whether later runs were clean."""
    diffs: dict[str, list[str]]
    leftovers: list[str]
    planted_in_cache: list[str]
    runs: dict[str, Cli]
    after: dict[str, Cli]
    pth_ran: str
    mode: str = "namespaces"


def fs_scenario(world: World, mode: str = "namespaces", timeout: float = 20.0) -> FsResult:
    """The hostile document run twice (tracefix's interpreter; the project venv's, which has no pytest
    and so uses tracefix's shim), then unrelated runs on both interpreters."""
    env = world.env(mode)
    # A clean run first: caches tracefix itself creates (shim, warm homes) exist before the "before" snapshot.
    run_cli(["debug", str(world.other / "unrelated.py"), "--json", "--no-repair"], env, world.tf_python)
    runs, diffs = {}, {}
    for name, python in (("tracefix's interpreter", world.tf_python), ("project venv", world.project_python)):
        doc = world.document()  # what the editor sends each time (a first run may have overwritten it on disk)
        before = world.snapshots()
        runs[name] = debug(doc, env, "--no-repair", "--timeout", str(timeout), "--python", python,
                           python=world.tf_python)
        after = world.snapshots()
        for place in before:
            diffs.setdefault(place, []).extend(f"{change} ({name} run)"
                                               for change in snapshot.diff(before[place], after.get(place, {})))
    leftovers = world.leftovers()
    planted = world.planted()
    later = {}
    for name, python in (("tracefix's interpreter", world.tf_python), ("project venv", world.project_python)):
        later[name] = debug(world.other / "unrelated.py", env, "--no-repair", "--timeout", str(timeout),
                            "--python", python, python=world.tf_python)
    pth = world.pth_ran.read_text() if world.pth_ran.exists() else ""
    return FsResult(diffs, leftovers, planted, runs, later, pth, mode)
