"""The server as the .vsix ships it: this machine's bundle, run by every CPython 3.10+ found here.

client/scripts/bundle.py builds (or reuses, keyed by its inputs) build/bundle/<target>/bundled,
the very folder package.sh puts in the .vsix. Each interpreter then runs the launcher
bundled/tool/tracefix_server.py as the extension does: --check, doctor, a traced debug run and a
language-server initialize/shutdown over stdio. Interpreters that are not installed are skipped;
the ones that cannot run the server must say so in one line. The built .vsix files, when present,
are checked for what they carry and their size.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
try:
    import tomllib
except ImportError:  # Python 3.10: pytest's own dependency
    import tomli as tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "client" / "scripts"))
import bundle as bundler  # noqa: E402  (client/scripts is not a package)
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import wire  # noqa: E402  (the raw JSON-RPC client the protocol tests use)
del sys.path[:2]

SUPPORTED = ["3.10", "3.11", "3.12", "3.13", "3.14"]
ARTIFACTS = ROOT / "tests" / "artifacts"
# Well above what the package weighs without the LLM client (about 7 MB), well below what it
# weighed with it: a dependency that starts shipping by accident shows up here.
VSIX_BUDGET = 12_000_000

pytestmark = pytest.mark.slow


def find_python(version: str) -> str | None:
    """A CPython `version` on this machine: pyenv's, then PATH's; None when absent."""
    home = Path.home()
    for pattern in (f"{home}/.pyenv/versions/{version}.*/bin/python{version}", f"/usr/bin/python{version}",
                    f"/usr/local/bin/python{version}"):
        for found in sorted(glob.glob(pattern)):
            if os.access(found, os.X_OK):
                return found
    return shutil.which(f"python{version}")


@pytest.fixture(scope="module")
def bundle() -> Path:
    target = bundler.host_target()
    if target not in bundler.TARGETS:
        pytest.skip(f"no .vsix is built for this machine ({target})")
    proc = subprocess.run([sys.executable, str(ROOT / "client" / "scripts" / "bundle.py"), "--target", target],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"bundle build failed:\n{proc.stdout}\n{proc.stderr}"
    return ROOT / "build" / "bundle" / target / "bundled"


def launcher(bundle: Path) -> str:
    return str(bundle / "tool" / "tracefix_server.py")


def clean_env(**extra) -> dict[str, str]:
    """The editor's environment, minus anything that would let the dev venv's packages leak in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def run(python: str, *args: str, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([python, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=env or clean_env())


def check(python: str, bundle: Path, *flags: str, env=None) -> dict:
    proc = run(python, *flags, launcher(bundle), "--check", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def record_timing(version: str, what: str, seconds: float) -> None:
    """Start-up figures for the closing note (never asserted: timing is not a test's business)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "packaging-timings.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data.setdefault(version, {})[what] = round(seconds, 3)
    path.write_text(json.dumps(data, indent=1, sort_keys=True))


python_params = [pytest.param(v, id=f"py{v}") for v in SUPPORTED]


def need_python(version: str) -> str:
    python = find_python(version)
    if not python:
        pytest.skip(f"CPython {version} is not installed here")
    return python


# --- the bundle's contents ---------------------------------------------------------------------

def test_bundle_carries_every_supported_python_and_not_the_llm_chain(bundle):
    libs = bundle / "libs"
    manifest = json.loads((libs / "bundle.json").read_text())
    assert manifest["target"] == bundler.host_target()
    assert manifest["pythons"] == SUPPORTED
    for version in SUPPORTED:
        tag = "cp" + version.replace(".", "")
        # tree-sitter's binding is built per version: each folder has its own.
        assert list((libs / tag / "tree_sitter").glob(f"_binding.cpython-{tag[2:]}*")), f"{tag} has no tree-sitter binding"
    for absent in ("openai", "pydantic", "pydantic_core", "httpx2", "jiter", "coverage"):
        assert not (libs / absent).exists() and not list(libs.glob(f"cp*/{absent}")), f"{absent} should not ship"
    # Pure wheels only 3.10 needs ship once, for every Python: tracefix's own pytest copy may run
    # a 3.10 user interpreter whatever Python the server runs on.
    for shared in ("pygls", "lsprotocol", "pytest", "exceptiongroup", "tomli", "tree_sitter_python", "tracefix"):
        assert (libs / shared).is_dir(), shared
    assert (libs / "tracefix" / "__init__.py").read_text() == (ROOT / "server" / "tracefix" / "__init__.py").read_text()


def test_lock_agrees_with_pyproject_and_the_launcher_pins_the_llm_client():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    openai = next(d for d in deps if d.startswith("openai"))
    source = (ROOT / "bundled" / "tool" / "tracefix_server.py").read_text()
    assert f'LLM_REQUIREMENT = "{openai}"' in source
    lock = bundler.read_lock()
    for dep in deps:
        name, _, version = dep.partition("==")
        if bundler.canonicalize_name(name) in bundler.LEFT_OUT:
            continue
        assert (version, None) in lock[bundler.canonicalize_name(name)], f"bundle-lock.txt does not pin {dep}"


# --- every CPython on the machine runs the bundled server ----------------------------------------

@pytest.mark.parametrize("version", python_params)
def test_check_imports_the_whole_server_from_the_bundle_alone(bundle, version):
    import time

    python = need_python(version)
    # -I -S: no site-packages, no PYTHONPATH, no user site: only the bundle can satisfy the imports.
    started = time.monotonic()
    result = check(python, bundle, "-I", "-S")
    record_timing(version, "check_s", time.monotonic() - started)
    assert result["ok"] is True, result["error"]
    assert result["source"] == "bundled"
    assert result["version"][:2] == [int(x) for x in version.split(".")]
    assert result["llm"] is False  # nothing imported openai, and it is not there


@pytest.mark.parametrize("version", python_params)
def test_doctor_and_a_traced_debug_run_through_the_launcher(bundle, version, tmp_path):
    python = need_python(version)
    doctor = run(python, launcher(bundle), "doctor")
    assert doctor.returncode == 0, doctor.stderr
    assert f"on Python {version}." in doctor.stdout
    # A real run: segmentation (tree-sitter's binding), the traced child, localization.
    shutil.copy(ROOT / "examples" / "stats.py", tmp_path / "stats.py")
    debug = run(python, launcher(bundle), "debug", str(tmp_path / "stats.py"), "--no-repair", "--json",
                "--python", python)
    assert debug.returncode == 1, debug.stderr  # 1: failures found, as the example means
    report = json.loads(debug.stdout)
    assert any(t["outcome"] == "failed" for t in report["tests"]), report


@pytest.mark.parametrize("version", python_params)
def test_serve_initializes_and_shuts_down_over_stdio(bundle, version, tmp_path):
    import time

    python = need_python(version)
    started = time.monotonic()
    server = wire.Server(env=clean_env(), cwd=str(tmp_path), command=[python, launcher(bundle), "serve"])
    try:
        init = server.call("initialize", {"processId": os.getpid(), "rootUri": tmp_path.as_uri(),
                                          "capabilities": {}}, timeout=120)
        record_timing(version, "serve_initialize_s", time.monotonic() - started)
        assert init is not None and "error" not in init, (init, b"".join(server.stderr_tail).decode())
        assert init["result"]["capabilities"]["textDocumentSync"] is not None
        server.notify("initialized", {})
        shutdown = server.call("shutdown", timeout=120)
        assert shutdown is not None and "error" not in shutdown, shutdown
        server.notify("exit")
        assert server.proc.wait(timeout=60) == 0, b"".join(server.stderr_tail).decode()
    finally:
        if server.alive:
            server.proc.kill()
            server.proc.wait()


# --- and every interpreter that cannot says why, in one line ---------------------------------------

def fake_bundle(tmp_path: Path, manifest: dict | None) -> Path:
    """A launcher beside a libs/ folder of our making: how a wrong or damaged package looks."""
    root = tmp_path / "bundled"
    (root / "tool").mkdir(parents=True)
    shutil.copy(ROOT / "bundled" / "tool" / "tracefix_server.py", root / "tool")
    if manifest is not None:
        (root / "libs").mkdir()
        (root / "libs" / "bundle.json").write_text(json.dumps(manifest))
    return root


def one_line_refusal(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 3, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracefix: "), proc.stderr
    return lines[0]


@pytest.mark.parametrize("old", ["3.9", "3.8", "2.7"])
def test_a_python_too_old_is_refused_with_the_action(bundle, old):
    python = find_python(old)
    if not python:
        pytest.skip(f"CPython {old} is not installed here")
    result = check(python, bundle)
    assert result["ok"] is False and result["version"][:2] == [int(x) for x in old.split(".")]
    assert "too old for the tracefix server, which needs 3.10 or newer: set tracefix.interpreter" in result["error"]
    line = one_line_refusal(run(python, launcher(bundle), "serve"))
    assert "too old" in line


def test_a_package_for_another_platform_names_the_right_one(tmp_path):
    other = "darwin-arm64" if bundler.host_target() != "darwin-arm64" else "linux-x64"
    root = fake_bundle(tmp_path, {"target": other, "pythons": SUPPORTED})
    line = one_line_refusal(run(sys.executable, str(root / "tool" / "tracefix_server.py"), "serve"))
    assert f"built for {other}" in line and f"install the {bundler.host_target()} build" in line


def test_a_python_the_package_carries_nothing_for_lists_the_ones_it_does(tmp_path):
    root = fake_bundle(tmp_path, {"target": bundler.host_target(), "pythons": ["3.99"]})
    result = check(sys.executable, root)
    assert result["ok"] is False
    assert "carries libraries for Python 3.99: set tracefix.interpreter to one of those" in result["error"]


def test_missing_libraries_say_reinstall(tmp_path):
    root = fake_bundle(tmp_path, None)
    line = one_line_refusal(run(sys.executable, str(root / "tool" / "tracefix_server.py"), "doctor"))
    assert "bundled libraries are missing" in line and "reinstall the Tracefix extension" in line


def test_a_broken_library_is_reported_with_its_import_error(tmp_path):
    # A bundle whose tree-sitter binding is for no Python at all: the failure the issue saw on 3.12.
    root = fake_bundle(tmp_path, {"target": bundler.host_target(), "pythons": SUPPORTED})
    tag = "cp%d%d" % sys.version_info[:2]
    (root / "libs" / tag).mkdir()
    shutil.copytree(ROOT / "server" / "tracefix", root / "libs" / "tracefix",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = check(sys.executable, root, "-I", "-S")
    assert result["ok"] is False
    assert "cannot load the tracefix server (ModuleNotFoundError: No module named" in result["error"]
    assert result["error"].endswith("reinstall the Tracefix extension, or pick another interpreter with "
                                    "tracefix.interpreter")


def test_an_llm_client_installed_on_first_use_is_found(bundle, tmp_path):
    # What --install-llm leaves behind, minus the download: a package in LLM_LIBS/cp3XX.
    tag = "cp%d%d" % sys.version_info[:2]
    (tmp_path / tag / "openai").mkdir(parents=True)
    (tmp_path / tag / "openai" / "__init__.py").write_text("")
    result = check(sys.executable, bundle, "-I", env=clean_env(TRACEFIX_LLM_LIBS=str(tmp_path)))
    assert result["ok"] is True and result["llm"] is True


# --- the packages, when built -------------------------------------------------------------------

def built_packages() -> list[Path]:
    return sorted(p for p in (ROOT / "dist").glob("tracefix-*.vsix") if not p.name.endswith("-llm.vsix"))


@pytest.mark.parametrize("vsix", built_packages() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no dist/tracefix-<target>.vsix: run `make client-package` or `make client-package-all`"))],
    ids=lambda p: p.name if p else "none")
def test_each_vsix_carries_its_platform_and_stays_small(vsix):
    target = vsix.name[len("tracefix-"):-len(".vsix")]
    assert vsix.stat().st_size < VSIX_BUDGET, f"{vsix.name} is {vsix.stat().st_size / 1e6:.1f} MB"
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        manifest = z.read("extension.vsixmanifest").decode()
        bundle_json = json.loads(z.read("extension/bundled/libs/bundle.json"))
    assert f'TargetPlatform="{target}"' in manifest
    assert bundle_json["target"] == target and bundle_json["pythons"] == SUPPORTED
    assert "extension/bundled/tool/tracefix_server.py" in names
    assert "extension/bundled/libs/tracefix/lsp/server.py" in names
    assert not [n for n in names if "__pycache__" in n], "bytecode from a local run was packaged"
    for version in SUPPORTED:
        tag = "cp" + version.replace(".", "")
        assert any(n.startswith(f"extension/bundled/libs/{tag}/tree_sitter/_binding") for n in names), tag


def test_an_llm_run_without_the_llm_client_falls_back_to_offline_results(bundle, tmp_path):
    from fake_openai import unused_port

    shutil.copy(ROOT / "examples" / "stats.py", tmp_path / "stats.py")
    # -S: no site-packages, so no openai anywhere, as in a fresh install of the extension.
    proc = run(sys.executable, "-S", launcher(bundle), "debug", str(tmp_path / "stats.py"), "--no-repair", "--llm",
               "--base-url", f"http://127.0.0.1:{unused_port()}/v1", "--model", "m", "--python", sys.executable)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "openai" in proc.stdout + proc.stderr
