"""Builds the server bundle of one platform's .vsix: build/bundle/<target>/bundled/{tool,libs}.

    python client/scripts/bundle.py --target linux-x64 [--target darwin-arm64 ...] [--llm]
    python client/scripts/bundle.py --lock      # re-pin client/scripts/bundle-lock.txt

Layout (read by bundled/tool/tracefix_server.py):
    bundled/libs/           tracefix itself, pure-Python wheels and abi3 wheels: one copy for every Python
    bundled/libs/cp310/...  wheels that differ per CPython version (tree-sitter's binding)
    bundled/libs/bundle.json  target, Pythons and what went where

pip cannot resolve for another platform: it evaluates environment markers (``python_version < "3.11"``,
``sys_platform == "win32"``) against the interpreter running pip, so a bundle built on 3.11 Linux
would miss exceptiongroup for 3.10 and colorama for Windows. So this script walks the dependency
graph itself, evaluating each marker for the target, and asks pip only to fetch exact pinned
wheels (``--no-deps``). The pins are client/scripts/bundle-lock.txt: the bundle is the same on
every machine, and the lock is checked against pyproject.toml's pins on every build.

Downloaded wheels stay in ~/.cache/tracefix-build/wheels; a target whose inputs did not change is not rebuilt, only
tracefix's own sources are copied again (cheap), so `make test` pays the download once.
"""
from __future__ import annotations

import argparse
import hashlib
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
from email.parser import Parser
from pathlib import Path

from packaging import tags
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "client" / "scripts" / "bundle-lock.txt"
LAUNCHER = ROOT / "bundled" / "tool" / "tracefix_server.py"
# Wheels never change under one file name, so one cache serves every clone on the machine
# (CI's fresh clone included); TRACEFIX_WHEEL_CACHE moves it.
WHEELS = Path(os.environ.get("TRACEFIX_WHEEL_CACHE") or Path.home() / ".cache" / "tracefix-build" / "wheels")
PYTHONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]

# pyproject dependencies that do not ship, and why.
LEFT_OUT = {
    # The server never imports coverage.py: it records executed files with sys.monitoring itself.
    "coverage": "never imported by the server",
    # Only the LLM path imports it (lazily, in tracefix.llm.client); with its pydantic chain it is
    # most of the package, per Python version. The extension installs it on first use (--llm keeps it).
    "openai": "installed on first use when the LLM is enabled",
}


def _mac(arch: str) -> list[str]:
    # Every macOS tag a wheel may carry that runs on macOS 11+ (VS Code's own minimum is 10.15/11).
    return list(tags.mac_platforms((14, 0), arch))


def _manylinux(arch: str) -> list[str]:
    # glibc 2.28 is VS Code's own floor for its Linux builds; older manylinux wheels run there too.
    out = [f"manylinux_2_{minor}_{arch}" for minor in range(28, 4, -1)]
    return out + [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]


# vsce's target names → wheel platform tags, best first, and the marker environment there.
TARGETS = {
    "linux-x64": (_manylinux("x86_64"), {"sys_platform": "linux", "platform_system": "Linux",
                                        "os_name": "posix", "platform_machine": "x86_64"}),
    "linux-arm64": (_manylinux("aarch64"), {"sys_platform": "linux", "platform_system": "Linux",
                                           "os_name": "posix", "platform_machine": "aarch64"}),
    "darwin-x64": (_mac("x86_64"), {"sys_platform": "darwin", "platform_system": "Darwin",
                                    "os_name": "posix", "platform_machine": "x86_64"}),
    "darwin-arm64": (_mac("arm64"), {"sys_platform": "darwin", "platform_system": "Darwin",
                                     "os_name": "posix", "platform_machine": "arm64"}),
    "win32-x64": (["win_amd64"], {"sys_platform": "win32", "platform_system": "Windows",
                                  "os_name": "nt", "platform_machine": "AMD64"}),
}


def host_target() -> str:
    import platform

    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform, sys.platform)
    return f"{system}-{arch}"


def marker_env(target: str, python: str) -> dict[str, str]:
    env = dict(TARGETS[target][1])
    env.update(python_version=python, python_full_version=python + ".0", implementation_name="cpython",
               platform_python_implementation="CPython", implementation_version=python + ".0",
               platform_release="", platform_version="", extra="")
    return env


def supported_tags(target: str, python: str) -> list[tags.Tag]:
    version = tuple(int(x) for x in python.split("."))
    interp = "cp" + python.replace(".", "")
    platforms = TARGETS[target][0]
    return [*tags.cpython_tags(version, [interp], platforms),
            *tags.compatible_tags(version, interp, platforms)]


def runtime_requirements(with_llm: bool) -> list[Requirement]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    reqs = [Requirement(d) for d in deps]
    return [r for r in reqs if canonicalize_name(r.name) not in LEFT_OUT
            or (with_llm and canonicalize_name(r.name) == "openai")]


def read_lock() -> dict[str, list[tuple[str, Marker | None]]]:
    """name → [(version, marker)]: a line with a marker (``x==1 ; python_version < "3.11"``) is a
    hand-written override for the Pythons or platforms it names and wins over the plain pin."""
    pins: dict[str, list[tuple[str, Marker | None]]] = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins.setdefault(canonicalize_name(req.name), []).append((next(iter(req.specifier)).version, req.marker))
    for entries in pins.values():
        entries.sort(key=lambda e: e[1] is None)
    return pins


def lock_pick(lock, name: str, env: dict[str, str]) -> str | None:
    for version, marker in lock.get(name, []):
        if marker is None or marker.evaluate(env):
            return version
    return None


class Wheels:
    """Wheels by (name, version, tag list), from build/wheels or fetched there by pip."""

    def __init__(self, python_exe: str):
        self.python = python_exe
        WHEELS.mkdir(parents=True, exist_ok=True)

    def find(self, name: str, version: str, supported: list[tags.Tag]) -> Path | None:
        rank = {t: i for i, t in enumerate(supported)}
        best = None
        for path in WHEELS.glob("*.whl"):
            try:
                wname, wversion, _, wtags = parse_wheel_filename(path.name)
            except ValueError:
                continue
            if wname != canonicalize_name(name) or wversion != Version(version):
                continue
            score = min((rank[t] for t in wtags if t in rank), default=None)
            if score is not None and (best is None or score < best[0]):
                best = (score, path)
        return best[1] if best else None

    def fetch(self, pins: list[tuple[str, str]], target: str, python: str) -> None:
        """One pip call for every pin not in the cache yet; pip never resolves (--no-deps)."""
        supported = supported_tags(target, python)
        missing = [f"{n}=={v}" for n, v in pins if self.find(n, v, supported) is None]
        if not missing:
            return
        interp = "cp" + python.replace(".", "")
        cmd = [self.python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
               "--only-binary=:all:", "--implementation", "cp", "--python-version", python,
               "--abi", interp, "--abi", "abi3", "--abi", "none", "-d", str(WHEELS)]
        for platform_tag in TARGETS[target][0]:
            cmd += ["--platform", platform_tag]
        proc = subprocess.run(cmd + missing, capture_output=True, text=True)
        if proc.returncode != 0:
            errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")] or proc.stderr.splitlines()[-3:]
            raise SystemExit(f"bundle: no wheel for {target} / CPython {python} among {' '.join(missing)}: "
                             f"{' | '.join(errors)}")


def wheel_requires(path: Path) -> list[Requirement]:
    with zipfile.ZipFile(path) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        msg = Parser().parsestr(z.read(meta).decode("utf-8"))
    return [Requirement(r) for r in msg.get_all("Requires-Dist") or []]


def resolve(target: str, python: str, roots: list[Requirement], pick, wheels: Wheels) -> dict[str, Path]:
    """name → wheel for one target and Python: breadth-first, one pip call per level."""
    env = marker_env(target, python)
    supported = supported_tags(target, python)
    chosen: dict[str, Path] = {}
    level = [r for r in roots if r.marker is None or r.marker.evaluate(env)]
    while level:
        pins = {}
        for req in level:
            name = canonicalize_name(req.name)
            version = pick(req, target, python)
            # pyproject's own pins may be overridden on purpose (a marker line in the lock); what
            # the wheels require of each other must hold.
            if not any(req is r for r in roots) and not req.specifier.contains(version, prereleases=True):
                raise SystemExit(f"bundle: {req} is not met by the pinned {name}=={version}; "
                                 "run `python client/scripts/bundle.py --lock`")
            if name not in chosen:
                pins[name] = version
        wheels.fetch(sorted(pins.items()), target, python)
        level = []
        for name, version in pins.items():
            path = wheels.find(name, version, supported)
            if path is None:
                raise SystemExit(f"bundle: no wheel of {name}=={version} runs on {target} / CPython {python}")
            chosen[name] = path
            for req in wheel_requires(path):
                # Extras are never requested by what we ship: `extra == "x"` is false here.
                if req.marker is None or Marker(str(req.marker)).evaluate(env):
                    level.append(req)
    return chosen


def unpack(wheel: Path, dest: Path) -> None:
    """A wheel install without pip: the archive's files, with <name>.data/{purelib,platlib} moved up.

    pip refuses to install a wheel for another platform; unpacking is all a library folder needs
    (the .dist-info stays, so importlib.metadata still finds pytest and its plugins).
    """
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            parts = info.filename.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue  # scripts, headers, data: not used from a library folder
                parts = parts[2:]
            if info.is_dir() or not parts[-1]:
                continue
            out = dest.joinpath(*parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)


def _hash(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()[:16]


def build_target(target: str, pythons: list[str], out: Path, with_llm: bool, wheels: Wheels) -> Path:
    """Writes out/<target>/bundled; returns that folder. Libraries are rebuilt only when an input changed."""
    import fcntl

    (out / target).mkdir(parents=True, exist_ok=True)
    # `make test` may build the .vsix while tests/test_packaging.py builds the same folder.
    with open(out / target / ".lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        return _build_target(target, pythons, out, with_llm, wheels)


def _build_target(target: str, pythons: list[str], out: Path, with_llm: bool, wheels: Wheels) -> Path:
    root = out / target / "bundled"
    libs = root / "libs"
    roots = runtime_requirements(with_llm)
    lock = read_lock()
    key = _hash(target, ",".join(pythons), str(with_llm), LOCK.read_bytes(), Path(__file__).read_bytes(),
                *[str(r) for r in roots])
    stamp = out / target / ".deps-key"
    if not (stamp.exists() and stamp.read_text() == key and libs.is_dir()):
        for r in roots:  # the lock must agree with pyproject.toml's own pins
            pinned = next(iter(r.specifier)).version if len(r.specifier) == 1 else None
            plain = [v for v, m in lock.get(canonicalize_name(r.name), []) if m is None]
            if pinned and plain != [pinned]:
                raise SystemExit(f"bundle: pyproject pins {r.name}=={pinned} but bundle-lock.txt has "
                                 f"{plain or 'nothing'}; run `python client/scripts/bundle.py --lock`")

        def pick(req, _target, _python):
            version = lock_pick(lock, canonicalize_name(req.name), marker_env(_target, _python))
            if version is None:
                raise SystemExit(f"bundle: {req.name} (needed by the server on {_target} / {_python}) is not in "
                                 "bundle-lock.txt; run `python client/scripts/bundle.py --lock`")
            return version

        per_python = {py: resolve(target, py, roots, pick, wheels) for py in pythons}
        if stamp.exists():
            stamp.unlink()
        shutil.rmtree(root, ignore_errors=True)
        libs.mkdir(parents=True)
        placed: dict[str, list[str]] = {"shared": []}
        names = sorted({n for chosen in per_python.values() for n in chosen})
        for name in names:
            files = {py: chosen[name] for py, chosen in per_python.items() if name in chosen}
            if len(set(files.values())) == 1:
                # Pure or abi3: one copy serves every version. A pure wheel that only 3.10 needs
                # (exceptiongroup, tomli) is harmless on later ones and lets tracefix's own pytest
                # copy run for a 3.10 user interpreter whatever Python the server runs on.
                wheel = next(iter(files.values()))
                unpack(wheel, libs)
                placed["shared"].append(wheel.name)
            else:
                for py, wheel in files.items():
                    unpack(wheel, libs / ("cp" + py.replace(".", "")))
                    placed.setdefault("cp" + py.replace(".", ""), []).append(wheel.name)
        for py in pythons:  # an empty folder still says "this version is supported"
            (libs / ("cp" + py.replace(".", ""))).mkdir(exist_ok=True)
        manifest = {"target": target, "pythons": pythons, "llm": with_llm, "wheels": placed, "key": key}
        (libs / "bundle.json").write_text(json.dumps(manifest, indent=1) + "\n")
        stamp.write_text(key)
    # tracefix's own sources and the launcher: always fresh, and cheap.
    shutil.rmtree(libs / "tracefix", ignore_errors=True)
    shutil.copytree(ROOT / "server" / "tracefix", libs / "tracefix",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "tool").mkdir(exist_ok=True)
    shutil.copy2(LAUNCHER, root / "tool" / LAUNCHER.name)
    return root


def write_lock(wheels: Wheels, with_llm: bool) -> None:
    """Pins every package any target needs on any Python: pyproject's pins, else the version this
    environment runs the tests with, else the newest one PyPI has that meets the requirement."""
    from importlib import metadata

    overrides = [line for line in (LOCK.read_text().splitlines() if LOCK.exists() else [])
                 if ";" in line.split("#", 1)[0]]
    override_pins = {canonicalize_name(Requirement(line.split("#", 1)[0]).name): None for line in overrides}
    old = read_lock() if LOCK.exists() else {}
    pins: dict[str, str] = {}
    for r in runtime_requirements(True):
        if len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==":
            pins[canonicalize_name(r.name)] = next(iter(r.specifier)).version

    def pick(req, target, python):
        name = canonicalize_name(req.name)
        if name in override_pins:
            overridden = lock_pick({name: [e for e in old[name] if e[1] is not None]}, name, marker_env(target, python))
            if overridden:
                return overridden
        if name not in pins:
            try:
                installed = metadata.version(name)
            except metadata.PackageNotFoundError:
                installed = None
            if installed and req.specifier.contains(installed, prereleases=True):
                pins[name] = installed
            else:
                before = set(WHEELS.glob("*.whl"))
                proc = subprocess.run(
                    [wheels.python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                     "--implementation", "cp", "--python-version", python, "-d", str(WHEELS),
                     *sum((["--platform", p] for p in TARGETS[target][0]), []), str(Requirement(f"{req.name}{req.specifier}"))],
                    capture_output=True, text=True)
                new = [p for p in set(WHEELS.glob("*.whl")) - before] or [
                    p for p in WHEELS.glob("*.whl") if parse_wheel_filename(p.name)[0] == name]
                if proc.returncode != 0 or not new:
                    raise SystemExit(f"bundle: cannot pin {req}: {proc.stderr.strip()[-300:]}")
                pins[name] = str(max(parse_wheel_filename(p.name)[1] for p in new
                                     if parse_wheel_filename(p.name)[0] == name))
        return pins[name]

    roots = runtime_requirements(with_llm=True)
    for target in TARGETS:
        for python in PYTHONS:
            resolve(target, python, roots, pick, wheels)
    lines = ["# Exact versions of everything the server bundle ships (client/scripts/bundle.py --lock).",
             "# pyproject.toml's pins, else the version the dev environment tests with, else PyPI's newest fit.",
             "# Lines with a marker are written by hand: they override the plain pin where the marker holds.",
             *overrides, *[f"{n}=={v}" for n, v in sorted(pins.items())]]
    LOCK.write_text("\n".join(lines) + "\n")
    print(f"wrote {LOCK.relative_to(ROOT)}: {len(pins)} pins")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", action="append", choices=[*TARGETS, "host"], default=None)
    ap.add_argument("--pythons", default=",".join(PYTHONS), help="CPython versions to carry (default 3.10-3.14)")
    ap.add_argument("--out", default=str(ROOT / "build" / "bundle"))
    ap.add_argument("--llm", action="store_true", help="also ship the openai client (measuring its size)")
    ap.add_argument("--lock", action="store_true", help="re-pin bundle-lock.txt, then stop")
    ap.add_argument("--print-host", action="store_true", help="print this machine's target name, then stop")
    args = ap.parse_args(argv)
    if args.print_host:
        print(host_target())
        return 0
    wheels = Wheels(sys.executable)
    if args.lock:
        write_lock(wheels, True)
        return 0
    pythons = [p.strip() for p in args.pythons.split(",") if p.strip()]
    for target in [host_target() if t == "host" else t for t in (args.target or ["host"])]:
        if target not in TARGETS:
            raise SystemExit(f"bundle: no package for this machine ({target}); targets: {', '.join(TARGETS)}")
        root = build_target(target, pythons, Path(args.out), args.llm, wheels)
        size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        print(f"bundle {target}: {root.relative_to(ROOT) if root.is_relative_to(ROOT) else root} "
              f"({size / 1e6:.1f} MB unpacked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
