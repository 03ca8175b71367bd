"""Runs the tracefix server or CLI from the libraries bundled with the VS Code extension.

    python tracefix_server.py serve|debug|doctor ARGS...   the `tracefix` command, same arguments
    python tracefix_server.py --check                       one JSON line: can this Python run the server?
    python tracefix_server.py --install-llm DIR             pip-installs the LLM client into DIR/cp3XX

The folder layout is the .vsix's (client/scripts/bundle.py writes it):
    bundled/tool/tracefix_server.py   this file
    bundled/libs/                     tracefix, pure-Python and abi3 wheels (every Python)
    bundled/libs/cp310 ... cp314      wheels built for one CPython version (tree-sitter's binding)
    bundled/libs/bundle.json          the platform and Pythons the libraries are for
Without bundled/libs (the extension run from a source checkout) it uses the checkout's server/
folder and the interpreter's own packages.

When this Python cannot run the server, it says why and what to do in one line (stderr, exit 3;
under --check in the JSON). The syntax stays what Python 2.7 parses, so an old interpreter gets
that line rather than a SyntaxError.
"""
import json
import os
import platform
import sys

MIN_VERSION = (3, 10)
EXIT_CANNOT_RUN = 3
HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.dirname(HERE)
LIBS = os.path.join(BUNDLED, "libs")
CHECKOUT_SERVER = os.path.join(os.path.dirname(BUNDLED), "server")
# Where an LLM client installed on first use lives (set by the extension; see --install-llm).
LLM_LIBS_ENV = "TRACEFIX_LLM_LIBS"
LLM_REQUIREMENT = "openai==3.54.0"  # pyproject.toml's pin; tests/test_packaging.py keeps them equal


class CannotRun(Exception):
    """A one-line message: what is wrong, then what to do."""


def running_target():
    """This process's platform in vsce's --target names (linux-x64, darwin-arm64, win32-x64, ...)."""
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    system = "linux" if sys.platform.startswith("linux") else sys.platform
    return system + "-" + arch


def describe():
    return "Python %s (%s)" % (platform.python_version(), sys.executable)


def version_tag():
    return "cp%d%d" % sys.version_info[:2]


def _supported_interpreter():
    if platform.python_implementation() != "CPython":
        raise CannotRun("%s is %s; the tracefix server needs CPython %d.%d or newer: set tracefix.interpreter to one"
                        % (describe(), platform.python_implementation(), MIN_VERSION[0], MIN_VERSION[1]))
    if tuple(sys.version_info[:2]) < MIN_VERSION:
        raise CannotRun("%s is too old for the tracefix server, which needs %d.%d or newer: set tracefix.interpreter "
                        "to a newer Python (your code may still run on this one)" % ((describe(),) + MIN_VERSION))
    import sysconfig

    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        # Free-threaded builds load different binaries (cp313t) that no bundled wheel provides.
        raise CannotRun("%s is a free-threaded build, which the bundled libraries do not support: set "
                        "tracefix.interpreter to a regular CPython build" % describe())


def setup_path():
    """Puts the libraries for this interpreter first on sys.path; returns where they come from."""
    _supported_interpreter()
    if not os.path.isdir(LIBS):
        if os.path.isfile(os.path.join(CHECKOUT_SERVER, "tracefix", "__init__.py")):
            sys.path.insert(0, CHECKOUT_SERVER)
            return "checkout"
        raise CannotRun("the extension's bundled libraries are missing (%s): reinstall the Tracefix extension" % LIBS)
    try:
        with open(os.path.join(LIBS, "bundle.json")) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as exc:
        raise CannotRun("the extension's bundled libraries are damaged (bundle.json: %s): reinstall the Tracefix "
                        "extension" % exc)
    target, here = manifest.get("target"), running_target()
    if target != here:
        action = "install the %s build of the extension (the marketplace picks it; for a .vsix use tracefix-%s.vsix)" % (
            here, here)
        if str(target).split("-")[0] == here.split("-")[0]:
            # Same system, other CPU: typically an Intel Python under Rosetta on an Apple Silicon Mac.
            action = "use a Python built for %s, or %s" % (str(target).split("-")[-1], action)
        raise CannotRun("this Tracefix package is built for %s but %s runs on %s: %s" % (target, describe(), here, action))
    versioned = os.path.join(LIBS, version_tag())
    if not os.path.isdir(versioned):
        carried = ", ".join(manifest.get("pythons") or [])
        raise CannotRun("%s is not supported by this Tracefix package, which carries libraries for Python %s: set "
                        "tracefix.interpreter to one of those" % (describe(), carried))
    # Ours first: an older pygls or attrs in the user's environment must not shadow what the server was built on.
    sys.path[0:0] = [versioned, LIBS]
    return "bundled"


def add_llm_libs():
    """The LLM client installed on first use, after our libraries (theirs must not shadow ours)."""
    base = os.environ.get(LLM_LIBS_ENV, "")
    folder = os.path.join(base, version_tag()) if base else ""
    if folder and os.path.isdir(folder) and folder not in sys.path:
        position = sys.path.index(LIBS) + 1 if LIBS in sys.path else 1
        sys.path.insert(position, folder)


def check():
    """Imports every module of the server, as `serve` and its first run will, and parses with tree-sitter.

    Importing only the top-level packages missed a tree-sitter binding built for another Python:
    the server started, and then every run failed. So: every module, and a real parse.
    """
    import importlib
    import pkgutil

    import tracefix

    for info in pkgutil.walk_packages(tracefix.__path__, "tracefix."):
        if not info.name.endswith("__main__"):  # running a __main__ would start the CLI
            importlib.import_module(info.name)
    import tree_sitter
    import tree_sitter_python

    tree = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language())).parse(b"def f(x):\n    return x\n")
    if tree.root_node.has_error:
        raise RuntimeError("tree-sitter could not parse a two-line function")
    refuse_native_windows()
    return tracefix.__version__


def refuse_native_windows():
    if sys.platform == "win32":
        # The sandbox ends a runaway test by killing its process group and bounds it with rlimits;
        # Windows has neither, and tracefix never runs tests unsandboxed.
        raise CannotRun("the tracefix server runs your tests in a sandbox that needs Linux or macOS: on Windows open "
                        "the folder in WSL (the WSL extension), where Tracefix's Linux build runs")


def _error_line(exc):
    if isinstance(exc, CannotRun):
        return str(exc)
    # An import that fails although the folders are right: a broken or foreign library.
    text = " ".join(("%s: %s" % (type(exc).__name__, exc)).split())[:300]
    return ("%s cannot load the tracefix server (%s): reinstall the Tracefix extension, or pick another interpreter "
            "with tracefix.interpreter" % (describe(), text))


def run_check():
    result = {"executable": sys.executable, "version": list(sys.version_info[:3]), "ok": False, "error": "",
              "source": "", "llm": False, "target": running_target()}
    try:
        result["source"] = setup_path()
        add_llm_libs()
        result["tracefix"] = check()
        import importlib.util

        result["llm"] = importlib.util.find_spec("openai") is not None
        result["ok"] = True
    except Exception as exc:
        result["error"] = _error_line(exc)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


def install_llm(base):
    """pip-installs the LLM client for this interpreter into BASE/cp3XX (the extension's storage).

    pip runs on the very interpreter that will import it, so its markers and binary wheels
    (pydantic-core, jiter) are the right ones, which a cross-platform bundle cannot promise.
    """
    import subprocess

    _supported_interpreter()
    target = os.path.join(base, version_tag())
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
           "--upgrade", "--target", target, LLM_REQUIREMENT]
    code = subprocess.call(cmd)
    if code != 0:
        raise CannotRun("installing %s for %s failed (pip exit %d; see above): install it into that environment "
                        "yourself (%s -m pip install %s) or turn the LLM off" % (LLM_REQUIREMENT, describe(), code,
                                                                                 sys.executable, LLM_REQUIREMENT))
    return 0


def main(argv):
    try:
        if argv[:1] == ["--check"]:
            return run_check()
        if argv[:1] == ["--install-llm"] and len(argv) == 2:
            return install_llm(argv[1])
        setup_path()
        add_llm_libs()
        if argv[:1] in (["serve"], ["debug"]):
            refuse_native_windows()  # `doctor` still runs there: it says what is missing
        from tracefix.cli import main as cli_main
    except Exception as exc:
        sys.stderr.write("tracefix: %s\n" % _error_line(exc))
        return EXIT_CANNOT_RUN
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
