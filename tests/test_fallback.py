"""The no-jail fallback (server/tracefix/probe/fallback.py) in real child interpreters.

The jail works on this machine, so a "no jail" run is made by hand: each test writes a
small program that loads fallback.py by path (as the runner does), calls ``enter`` with
the spec child.py would put in the job, and then does what a test would: write inside and
outside the scratch, import the document, run pytest.main or the real runner. Real files,
real processes; what the child saw comes back as JSON on its last stdout line. Landlock
assertions are skipped where the kernel has no Landlock.
"""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from probe_files import PROBE, load_probe
from tracefix import segment

fallback = load_probe("fallback.py", "_tracefix_fallback_test")
ABI, NO_LANDLOCK = fallback.landlock_abi()
needs_landlock = pytest.mark.skipif(not ABI, reason=f"no Landlock here: {NO_LANDLOCK}")

PRELUDE = """\
import importlib.util, json, os, sys
_spec = importlib.util.spec_from_file_location("_tracefix_fallback", {fallback!r})
fallback = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fallback)
ACTIVE = fallback.enter({spec!r})
OUT = {{"active": ACTIVE, "problems": fallback.PROBLEMS}}
"""
EPILOGUE = "\nprint(json.dumps(OUT))\n"


def child_env(python=sys.executable, **extra):
    # The child must not inherit this pytest's own variables (PYTEST_CURRENT_TEST and friends).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # stale .pyc files are part of what we test
    if python == sys.executable:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # tracefix's own plugins cost seconds, as in child.job_env
    env.update(extra)
    return env


def run_child(cwd, spec, body, python=sys.executable):
    """Run ``body`` after ``fallback.enter(spec)`` in a fresh interpreter; the JSON it reports."""
    program = PRELUDE.format(fallback=str(PROBE / "fallback.py"), spec=spec) + textwrap.dedent(body) + EPILOGUE
    # As the server starts a child: HOME and TMPDIR in the run's scratch.
    scratch = {"HOME": spec["writable"][0], "TMPDIR": spec["writable"][0]} if spec else {}
    proc = subprocess.run([python, "-c", program], cwd=str(cwd), env=child_env(python, **scratch),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write(root, files):
    for rel, text in files.items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return Path(root)


def snapshot(root):
    """Every file and folder under ``root`` with its content: what a run must leave untouched."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = Path(path).read_bytes()
    return out


def spec_for(scratch, doc=None, copy=None, **more):
    buffer = {"path": str(doc), "copy": str(copy) if copy else ""} if doc else {"path": "", "copy": ""}
    return {"writable": [str(scratch)], "buffer": buffer, **more}


# -- Landlock ---------------------------------------------------------------------------------------

# Each attempt's outcome under its name: "ok" or the OSError subclass it raised.
ATTEMPT = """
def attempt(name, action):
    try:
        action()
        OUT[name] = "ok"
    except OSError as exc:
        OUT[name] = type(exc).__name__
"""
WRITE_ATTEMPTS = ATTEMPT + """
import subprocess

def make_fifo(path):
    os.mkfifo(path)

P, S = {project!r}, {scratch!r}
for where, base in (("out", P), ("in", S)):
    attempt(where + ":create", lambda: open(os.path.join(base, "new.txt"), "w").close())
    attempt(where + ":append", lambda: open(os.path.join(base, "old.txt"), "a").write("x"))
    attempt(where + ":overwrite", lambda: open(os.path.join(base, "old.txt"), "w").close())
    attempt(where + ":truncate", lambda: os.truncate(os.path.join(base, "old.txt"), 0))
    attempt(where + ":unlink", lambda: os.unlink(os.path.join(base, "gone.txt")))
    attempt(where + ":mkdir", lambda: os.mkdir(os.path.join(base, "newdir")))
    attempt(where + ":rmdir", lambda: os.rmdir(os.path.join(base, "emptydir")))
    attempt(where + ":rename", lambda: os.rename(os.path.join(base, "sub", "moved.txt"),
                                                 os.path.join(base, "moved.txt")))
    attempt(where + ":symlink", lambda: os.symlink("old.txt", os.path.join(base, "link")))
    attempt(where + ":fifo", lambda: make_fifo(os.path.join(base, "fifo")))
    OUT[where + ":shell"] = subprocess.run(["sh", "-c", "echo x > " + os.path.join(base, "sh.txt")],
                                           capture_output=True).returncode
attempt("read", lambda: open(os.path.join(P, "old.txt")).read())
attempt("devnull", lambda: open("/dev/null", "w").write("x"))
"""


def _tree(root):
    return write(root, {"old.txt": "keep me\n", "gone.txt": "still here\n", "sub/moved.txt": "stay\n",
                        "emptydir/.keep": ""})


@needs_landlock
def test_landlock_allows_writes_only_beneath_the_scratch_and_devices(tmp_path):
    project, scratch = _tree(tmp_path / "project"), _tree(tmp_path / "scratch")
    (project / "emptydir" / ".keep").unlink()
    (scratch / "emptydir" / ".keep").unlink()
    before = snapshot(project)

    out = run_child(project, spec_for(scratch), WRITE_ATTEMPTS.format(project=str(project), scratch=str(scratch)))

    assert out["active"][0] == fallback.WRITES_NAME % ABI, out
    assert out["problems"] == []
    refused = ["create", "append", "overwrite", "unlink", "mkdir", "rmdir", "rename", "symlink", "fifo"]
    if ABI >= 3:  # truncate(2) is a Landlock right from ABI 3 (Linux 6.2) on
        refused.append("truncate")
    assert {k: out["out:" + k] for k in refused} == {k: "PermissionError" for k in refused}
    assert out["out:shell"] != 0  # processes the test starts inherit the restriction
    assert snapshot(project) == before
    renamed = "ok" if ABI >= 2 else "OSError"  # ABI 1 refuses every cross-folder rename (EXDEV)
    assert {k: v for k, v in out.items() if k.startswith("in:")} == {
        "in:create": "ok", "in:append": "ok", "in:overwrite": "ok", "in:truncate": "ok", "in:unlink": "ok",
        "in:mkdir": "ok", "in:rmdir": "ok", "in:rename": renamed, "in:symlink": "ok", "in:fifo": "ok",
        "in:shell": 0}
    assert out["read"] == "ok" and out["devnull"] == "ok"


DEVICE_ATTEMPTS = ATTEMPT + """
import multiprocessing.shared_memory

def openpty():
    leader, follower = os.openpty()
    os.write(follower, b"x")
    os.close(leader); os.close(follower)

attempt("shm:file", lambda: open("/dev/shm/" + {token!r}, "w").close())
attempt("shm:segment", lambda: multiprocessing.shared_memory.SharedMemory({token!r} + "-seg", create=True, size=64))
attempt("/dev:file", lambda: open("/dev/" + {token!r}, "w").close())
attempt("null", lambda: open("/dev/null", "w").write("x"))
attempt("zero", lambda: open("/dev/zero", "wb").write(b"x"))
attempt("urandom", lambda: open("/dev/urandom", "wb").write(b"x"))
attempt("pty", openpty)
attempt("stdout", lambda: open("/dev/stdout", "w").write(""))
"""


@needs_landlock
def test_landlock_refuses_dev_shm_but_not_the_devices_code_writes_to(tmp_path):
    token = "tracefix-test-" + os.urandom(6).hex()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    try:
        out = run_child(tmp_path, spec_for(scratch), DEVICE_ATTEMPTS.format(token=token))
        left = [n for n in os.listdir("/dev/shm") if token in n]
    finally:
        for name in os.listdir("/dev/shm"):
            if token in name:
                os.remove(os.path.join("/dev/shm", name))
    assert out["active"][0] == fallback.WRITES_NAME % ABI, out
    # /dev itself is read-only to the child (a normal user cannot create there anyway, so only /dev/shm,
    # a world-writable tmpfs, proves the rule).
    assert out["shm:file"] == out["shm:segment"] == "PermissionError", out
    assert out["/dev:file"] == "PermissionError", out
    assert left == []
    assert {k: out[k] for k in ("null", "zero", "urandom", "pty", "stdout")} == dict.fromkeys(
        ("null", "zero", "urandom", "pty", "stdout"), "ok")


def test_no_spec_means_no_fallback(tmp_path):
    project = _tree(tmp_path / "project")
    out = run_child(project, None, """
        open("written.txt", "w").write("the jail, not us, guards this run")
        OUT["meta_path"] = [type(f).__name__ for f in sys.meta_path]
    """)
    assert out["active"] == [] and out["problems"] == []
    assert "BufferFinder" not in out["meta_path"]
    assert (project / "written.txt").exists()


def test_enter_never_raises_and_says_what_is_missing(tmp_path):
    project = _tree(tmp_path / "project")
    missing = tmp_path / "no-such-scratch"
    spec = spec_for(missing, doc=project / "old.txt", copy=tmp_path / "no-such-copy.py")
    out = run_child(project, spec, """
        OUT["again"] = fallback.enter({"writable": 5, "buffer": "nonsense"})
    """)
    assert out["again"] == []
    problems = " | ".join(out["problems"])
    assert "no-such-copy.py cannot be read" in problems and "the file on disk runs" in problems
    if ABI:
        # The missing folder stays read-only; the rest of the layer is still on.
        assert f"{missing} stays read-only" in problems
        assert out["active"][0] == fallback.WRITES_NAME % ABI
    else:
        assert out["active"] == [] and "Landlock: " in problems


@pytest.mark.skipif(ABI < 4, reason=f"TCP rules need Landlock ABI 4 (this kernel: {ABI or NO_LANDLOCK})")
def test_landlock_denies_tcp_when_the_run_has_no_network(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        body = f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {server.getsockname()[1]}), timeout=30).close()
                OUT["connect"] = "ok"
            except OSError as exc:
                OUT["connect"] = type(exc).__name__
        """
        closed = run_child(tmp_path, spec_for(tmp_path, network=False), body)
        open_ = run_child(tmp_path, spec_for(tmp_path), body)
    assert closed["connect"] == "PermissionError"
    assert f"no TCP bind or connect (Landlock ABI {ABI})" in closed["active"]
    assert open_["connect"] == "ok"
    assert not any("TCP" in name for name in open_["active"])


@pytest.mark.skipif(ABI < 6, reason=f"scopes need Landlock ABI 6 (this kernel: {ABI or NO_LANDLOCK})")
def test_landlock_scopes_signals_and_abstract_sockets_to_the_run(tmp_path):
    victim = subprocess.Popen(["sleep", "120"])  # ours: a stand-in for the editor or the server
    name = f"\0tracefix-fallback-test-{os.getpid()}"
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(name)
            server.listen(4)
            body = f"""
                import signal, socket, subprocess
                def attempt(key, action):
                    try:
                        action()
                        OUT[key] = "ok"
                    except OSError as exc:
                        OUT[key] = type(exc).__name__
                attempt("signal outside", lambda: os.kill({victim.pid}, signal.SIGTERM))
                own = subprocess.Popen(["sleep", "120"])
                attempt("signal own child", lambda: own.kill())
                own.wait()
                def connect():
                    with socket.socket(socket.AF_UNIX) as s:
                        s.connect({name!r})
                attempt("abstract socket", connect)
            """
            closed = run_child(tmp_path, spec_for(tmp_path, network=False), body)
            open_ = run_child(tmp_path, spec_for(tmp_path), body)
        assert victim.poll() is None  # still running: no signal reached it
    finally:
        victim.kill()
        victim.wait()
    assert closed["signal outside"] == open_["signal outside"] == "PermissionError"
    assert closed["signal own child"] == open_["signal own child"] == "ok"
    assert closed["abstract socket"] == "PermissionError" and open_["abstract socket"] == "ok"
    assert f"no signals to processes outside the run (Landlock ABI {ABI})" in open_["active"]
    assert f"no abstract unix sockets outside the run (Landlock ABI {ABI})" in closed["active"]


# -- the buffer -------------------------------------------------------------------------------------

DISK_MOD = '''\
def f():
    return "disk"
'''
BUFFER_MOD = '''\
def f():
    """
    >>> f()
    'buffer'
    """
    value = "buf"
    if value:
        value += "fer"
    return value


if __name__ == "__main__":
    assert f() == "buffer"
    print("main ran the buffer")
'''


def _package(tmp_path, buffer_text=BUFFER_MOD):
    project = write(tmp_path / "project", {"pkg/__init__.py": "", "pkg/mod.py": DISK_MOD})
    copy = write(tmp_path / "scratch", {"upper/pkg/mod.py": buffer_text}) / "upper" / "pkg" / "mod.py"
    # A .pyc of the disk version that a normal import would happily use.
    subprocess.run([sys.executable, "-c", "import pkg.mod"], cwd=str(project), env=child_env(), check=True)
    assert list((project / "pkg" / "__pycache__").glob("mod.*.pyc"))
    return project, tmp_path / "scratch", copy


def test_plain_imports_under_any_name_run_the_buffer(tmp_path):
    project, scratch, copy = _package(tmp_path)
    doc = project / "pkg" / "mod.py"
    before = snapshot(project)
    out = run_child(project, spec_for(scratch, doc, copy), f"""
        import doctest, inspect, runpy
        sys.path[:0] = [{str(project)!r}, {str(project / "pkg")!r}]
        import pkg.mod
        import mod
        OUT["dotted"], OUT["bare"] = pkg.mod.f(), mod.f()
        OUT["filename"] = pkg.mod.f.__code__.co_filename
        OUT["file"] = pkg.mod.__file__
        OUT["source"] = inspect.getsource(pkg.mod.f).splitlines()[-1].strip()
        OUT["doctest"] = list(doctest.testmod(pkg.mod))
        OUT["reload"] = __import__("importlib").reload(pkg.mod).f()
        OUT["main"] = runpy.run_path({str(doc)!r}, run_name="__main__")["f"]()
    """)
    assert "unsaved buffer served by an import hook" in out["active"]
    assert out["dotted"] == out["bare"] == out["reload"] == out["main"] == "buffer"
    # The tracer knows the document's code by this filename.
    assert out["filename"] == os.path.realpath(doc) and out["file"] == str(doc)
    assert out["source"] == "return value"  # linecache shows the buffer, not the disk
    assert out["doctest"] == [0, 1]
    assert snapshot(project) == before


def test_a_document_missing_on_disk_still_imports_from_its_buffer(tmp_path):
    project, scratch, copy = _package(tmp_path)
    doc = project / "pkg" / "mod.py"
    doc.unlink()  # deleted while open in the editor: the jail's overlay would still show it
    out = run_child(project, spec_for(scratch, doc, copy), f"""
        sys.path[:0] = [{str(project)!r}, {str(project / "pkg")!r}]
        import pkg.mod, mod
        OUT["f"] = [pkg.mod.f(), mod.f()]
        try:
            import pkg.other
        except ImportError:
            OUT["other"] = "ImportError"
    """)
    assert out["f"] == ["buffer", "buffer"] and out["other"] == "ImportError"
    assert not doc.exists()


def test_a_coding_declaration_in_the_buffer_is_honoured(tmp_path):
    project, scratch, copy = _package(tmp_path)
    copy.write_bytes('# -*- coding: latin-1 -*-\ndef f():\n    return "caf\xe9"\n'.encode("latin-1"))
    out = run_child(project, spec_for(scratch, project / "pkg" / "mod.py", copy), f"""
        sys.path.insert(0, {str(project)!r})
        import pkg.mod
        OUT["f"] = pkg.mod.f()
    """)
    assert out["f"] == "caf\xe9"


PYTEST_BODY = """
import pytest

class Seen:
    def __init__(self):
        self.outcomes = {}
        self.messages = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = report.outcome
            self.messages[report.nodeid] = str(report.longrepr or "")

seen = Seen()
OUT["exit"] = int(pytest.main(["-p", "no:cacheprovider", "-q"] + ARGS, plugins=[seen]))
OUT["outcomes"] = seen.outcomes
OUT["messages"] = seen.messages
"""


def test_pytest_imports_of_the_document_run_the_buffer(tmp_path):
    project, scratch, copy = _package(tmp_path)
    write(project, {
        "pytest.ini": "[pytest]\n",
        # Imported while pytest loads its initial conftests, long before pytest_configure.
        "tests/conftest.py": "import pkg.mod\nAT_CONFTEST = pkg.mod.f()\n",
        "tests/test_use.py": """\
            from conftest import AT_CONFTEST
            from pkg.mod import f

            def test_conftest_saw_the_buffer():
                assert AT_CONFTEST == "buffer"

            def test_test_module_sees_the_buffer():
                assert f() == "buffer"
        """,
    })
    before = snapshot(project)
    out = run_child(project, spec_for(scratch, project / "pkg" / "mod.py", copy),
                    "ARGS = ['tests', '--doctest-modules', 'pkg']\n" + PYTEST_BODY)
    assert out["outcomes"] == {"tests/test_use.py::test_conftest_saw_the_buffer": "passed",
                               "tests/test_use.py::test_test_module_sees_the_buffer": "passed",
                               "pkg/mod.py::pkg.mod.f": "passed"}, out
    assert snapshot(project) == before


DISK_TEST = """\
def test_only_on_disk():
    assert False, "the disk version ran"
"""
BUFFER_TEST = """\
def helper():
    return 1


def test_only_in_the_buffer():
    x = helper()
    assert x == 2
"""


def _pythons():
    """tracefix's interpreter, plus the pytest 6.2 / 7.4 / 8.x venvs of the runner contract tests."""
    out = []
    for mode in ("prepend", "importlib"):
        out.append(pytest.param(None, mode, id="own-" + mode))
        for name in ("pytest62", "pytest74", "pytest8"):
            marks = [pytest.mark.slow]
            if name == "pytest62" and mode == "importlib":
                # pytest 6 builds that spec from the file's path, past every finder (design notes).
                marks.append(pytest.mark.xfail(strict=True, reason="known gap: pytest 6 --import-mode=importlib"))
            out.append(pytest.param(name, mode, id=name + "-" + mode, marks=marks))
    return out


@pytest.mark.parametrize("venv,mode", _pythons())
def test_a_test_file_document_runs_its_buffer_with_pytest_assertion_rewriting(tmp_path, venv, mode):
    if venv is None:
        python = sys.executable
    else:
        from test_runner_contract import venv_python  # builds (or skips) the shared venvs

        python = venv_python(venv)
    project = write(tmp_path / "project", {"pytest.ini": "[pytest]\n", "tests/test_doc.py": DISK_TEST})
    doc = project / "tests" / "test_doc.py"
    copy = write(tmp_path / "scratch", {"upper/tests/test_doc.py": BUFFER_TEST}) / "upper" / "tests" / "test_doc.py"
    # pytest caches its rewritten code of the disk version next to the file: it must not be used.
    subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=str(project),
                   env=child_env(python), capture_output=True, check=False)
    assert list((project / "tests" / "__pycache__").glob("test_doc.*pytest*.pyc"))
    before = snapshot(project)

    body = f"ARGS = ['tests', '--import-mode={mode}']\n" + PYTEST_BODY + f"""
OUT["filename"] = [m.test_only_in_the_buffer.__code__.co_filename for m in list(sys.modules.values())
                   if getattr(m, "__file__", None) == {str(doc)!r}]
"""
    out = run_child(project, spec_for(tmp_path / "scratch", doc, copy), body, python=python)

    assert out["outcomes"] == {"tests/test_doc.py::test_only_in_the_buffer": "failed"}, out
    # The assert was rewritten by pytest: the message shows the compared values.
    assert "assert 1 == 2" in out["messages"]["tests/test_doc.py::test_only_in_the_buffer"]
    assert out["filename"] == [os.path.realpath(doc)]
    assert snapshot(project) == before


# -- with the real runner -------------------------------------------------------------------------

RUN_WITH_FALLBACK = """\
import importlib.util, json, sys
job = json.load(open(sys.argv[1]))
probe = {probe!r}
def load(name, filename):
    spec = importlib.util.spec_from_file_location(name, probe + "/" + filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
fallback = load("_tracefix_fallback", "fallback.py")
active = fallback.enter(job.get("fallback"))
open(job["result"] + ".fallback", "w").write(json.dumps(active))
load("_tracefix_runner", "runner.py").execute(job)
"""


def test_the_runner_entered_through_the_fallback_traces_the_buffer(tmp_path):
    """What the runner does once it calls ``fallback.enter(job.get("fallback"))`` first thing."""
    project, scratch, copy = _package(tmp_path)
    doc = project / "pkg" / "mod.py"
    write(project, {
        "pytest.ini": "[pytest]\n",
        "tests/test_mod.py": f"""\
            import pytest
            from pkg.mod import f

            def test_f():
                assert f() == "buffer"

            def test_cannot_touch_the_project():
                with pytest.raises(PermissionError):
                    open({str(project / "touched.txt")!r}, "w")
        """,
    })
    seg = segment.segment(BUFFER_MOD)
    result = scratch / "result.jsonl"
    job = {"mode": "run", "root": str(project), "target": os.path.realpath(doc), "module": "pkg.mod",
           "sys_path": [str(project)], "result": str(result), "trace": True,
           "tests": [{"id": "tests/test_mod.py", "kind": "pytest"}, {"id": "doctest:f", "kind": "doctest"},
                     {"id": "__main__", "kind": "script"}],
           "leaders": {str(b.leader_line): b.id for b in seg.blocks if b.leader_line},
           "lines": {str(line): block for line, block in seg.line_map().items()},
           "fallback": spec_for(scratch, doc, copy)}
    job_file = scratch / "job.json"
    job_file.write_text(json.dumps(job))
    before = snapshot(project)
    proc = subprocess.run([sys.executable, "-X", "utf8", "-c", RUN_WITH_FALLBACK.format(probe=str(PROBE)),
                           str(job_file)], cwd=str(project), env=child_env(HOME=str(scratch), TMPDIR=str(scratch)),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    records = [json.loads(line) for line in result.read_text().splitlines()]
    tests = {r["test"]["id"]: r for r in records if "test" in r}
    outcomes = {k: r["test"]["outcome"] for k, r in tests.items()}
    assert outcomes == {"tests/test_mod.py::test_f": "passed",
                        "tests/test_mod.py::test_cannot_touch_the_project": "passed" if ABI else "failed",
                        "doctest:f": "passed", "__main__": "passed"}, (proc.stderr, records)
    # The tracer recognised the buffer's code: the if-block exists only there.
    blocks = [b for b, _ in tests["tests/test_mod.py::test_f"]["trace"]["visits"]]
    assert blocks and all(b.startswith("f:") for b in blocks) and len(set(blocks)) >= 2, blocks
    assert "main ran the buffer" in proc.stdout
    assert "unsaved buffer served by an import hook" in json.loads(Path(str(result) + ".fallback").read_text())
    assert snapshot(project) == before


# -- macOS ----------------------------------------------------------------------------------------
# No macOS here: these check the generated text only; sandbox-exec itself never parses it in CI.

def _balanced(text):
    """Parentheses balance outside string literals (a profile sandbox-exec could at least read)."""
    depth, i = 0, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


def test_macos_profile_denies_writes_except_scratch_dev_and_temp():
    profile = fallback.macos_profile(["/Users/me/run-1", "/var/folders/ab/xyz/T/tracefix-run-2", "/tmp/x"])
    lines = [line.strip() for line in profile.splitlines()]
    assert lines[0] == "(version 1)"
    assert "(allow default)" in lines and "(deny file-write*)" in lines
    allowed = lines[lines.index("(allow file-write*") + 1:]
    assert allowed == ['(subpath "/Users/me/run-1")',
                       '(subpath "/private/var/folders/ab/xyz/T/tracefix-run-2")',
                       '(subpath "/private/tmp/x")',
                       '(subpath "/dev")',
                       '(subpath "/private/tmp")',
                       '(subpath "/private/var/tmp")',
                       '(subpath "/private/var/folders")' + ")"]
    assert lines.index("(deny file-write*)") < lines.index("(allow file-write*")  # the later rule wins
    assert _balanced(profile)


def test_macos_profile_quotes_paths_and_drops_unnameable_ones():
    profile = fallback.macos_profile(['/Users/me/a "quoted" \\ dir', "/Users/me/new\nline", "", None])
    assert '(subpath "/Users/me/a \\"quoted\\" \\\\ dir")' in profile
    assert "new" not in profile
    assert _balanced(profile)
    assert fallback.macos_profile([]).count("(subpath") == 4  # /dev and the system temp only
