"""The sandbox against real child processes: limits hold and the run always returns."""
import os
import sys
import time

from tracefix import sandbox


def run_code(tmp_path, code, timeout=10, **kw):
    script = tmp_path / "child.py"
    script.write_text(code)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return sandbox.run([sys.executable, str(script)], cwd=str(tmp_path), home=str(home), timeout=timeout, **kw)


def alive_with(token):
    """Host pids whose command line carries ``token`` (pids inside a PID namespace differ from ours)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read()
                with open(f"/proc/{entry}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if token.encode() in cmd and state != "Z":
                found.append(int(entry))
    return found


def wait_for(predicate, limit=60.0):
    """Poll until ``predicate()`` is truthy (nothing signals "a process appeared"); returns its last value.
    Waiting on a condition, never on a guess of how long a run takes."""
    deadline = time.monotonic() + limit
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(0.02)
        value = predicate()
    return value


def still_running(pids, limit=10.0):
    """Wait for each process to end on its pidfd (the kernel's exit event); the pids that outlived ``limit``."""
    import select

    deadline = time.monotonic() + limit
    left = []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue  # already gone
        try:
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                left.append(pid)
        finally:
            os.close(fd)
    return left


def in_thread(fn, *args, **kw):
    """Run ``fn`` in a thread; returns (thread, box) where box["result"] is set when it returns."""
    import threading

    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", fn(*args, **kw)), daemon=True)
    thread.start()
    return thread, box


def test_timeout_kills_the_whole_group(tmp_path):
    token = f"tracefix-grandchild-{os.getpid()}-{time.monotonic_ns()}"
    code = f"""
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
subprocess.Popen([sys.executable, "-c", "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)", {token!r}])
subprocess.Popen([sys.executable, "-c", "import os,time; os.setsid(); time.sleep(60)", {token!r}])
while True:
    pass
"""
    thread, box = in_thread(run_code, tmp_path, code, timeout=5)
    grandchildren = wait_for(lambda: len(alive_with(token)) == 2 and alive_with(token))
    thread.join()
    res = box["result"]
    assert grandchildren, "the grandchildren never started: nothing was tested"
    assert res.timed_out
    survivors = still_running(grandchildren)
    if any("PID namespace" in p for p in res.protections):
        assert survivors == [], "a grandchild survived the run (even one that left the process group)"
    else:  # without a PID namespace only the process group is killed
        assert len(survivors) <= 1


def test_output_flood_is_capped(tmp_path):
    res = run_code(tmp_path, "import sys\nfor _ in range(200000): sys.stdout.write('x' * 100 + '\\n')\n",
                   output_bytes=10_000)
    assert not res.timed_out
    assert len(res.stdout) < 11_000
    assert res.truncated_bytes > 1_000_000
    assert "more bytes of output not kept" in res.stdout


def test_stdin_is_closed(tmp_path):
    res = run_code(tmp_path, "x = input()\n")
    assert res.returncode != 0
    assert "EOFError" in res.stderr


def test_secrets_do_not_reach_the_child(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    res = run_code(tmp_path, "import os; print(sorted(os.environ)); print(os.environ['HOME'])\n")
    assert "sk-secret-value" not in res.stdout and "OPENAI_API_KEY" not in res.stdout
    assert "AWS_SECRET" not in res.stdout
    assert str(tmp_path / "home") in res.stdout


def test_network_is_cut_where_unshare_works(tmp_path):
    if not any("network" in p for p in sandbox.isolation(False)[1]):
        import pytest
        pytest.skip("unshare -n is not permitted on this machine")
    res = run_code(tmp_path, "import socket\ns = socket.socket()\ns.settimeout(2)\n"
                             "try:\n    s.connect(('1.1.1.1', 53)); print('connected')\n"
                             "except OSError as e:\n    print('blocked', e)\n")
    assert "blocked" in res.stdout


def test_cancel_stops_the_child(tmp_path):
    import threading
    cancel = threading.Event()
    marker = tmp_path / "home" / "sleeping"
    code = f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('1')\ntime.sleep(30)\n"
    thread, box = in_thread(run_code, tmp_path, code, timeout=20, cancel=cancel)
    assert wait_for(marker.exists), "the child never started"
    cancel.set()  # the hook: cancelled once the child is surely running, not after a guessed delay
    thread.join()
    res = box["result"]
    assert not res.timed_out  # cancel ended it, long before the 20 s timeout
    assert res.returncode != 0


def test_resolve_python_reports_missing_and_old_interpreters(tmp_path):
    path, version, problem = sandbox.resolve_python("")
    assert path and version.startswith("3.") and not problem
    _, _, problem = sandbox.resolve_python(str(tmp_path / "nope" / "python"))
    assert problem.startswith("Python interpreter not found")
    old = "/root/.pyenv/versions/3.8.18/bin/python"
    if os.path.exists(old):
        _, _, problem = sandbox.resolve_python(old)
        assert "too old" in problem
