"""The warm fork server gives the same results as a cold child and keeps the same limits."""
import os
import time

import pytest

from tracefix import discover, project, segment, childrun, workers
from tracefix.config import Settings


def key_for(doc, python=None):
    proj = project.find(str(doc), python or "")
    return workers.Key(python or proj.python, proj.key(), proj.root, False)


def run(tmp_path, source, tests, **settings):
    doc = tmp_path / "mod.py"
    doc.write_text(source)
    (tmp_path / "test_mod.py").write_text(tests)
    text = doc.read_text()
    seg = segment.segment(text)
    return childrun.run_tests(str(doc), text, seg, discover.discover(str(doc), text), Settings(**settings))


SOURCE = "def mean(xs):\n    total = 0\n    for x in xs[1:]:\n        total += x\n    return total / len(xs)\n"
TESTS = "from mod import mean\n\ndef test_one():\n    assert mean([2]) == 2\n\ndef test_two():\n    assert mean([1, 3]) == 1.5\n"


def test_warm_and_cold_runs_agree(tmp_path):
    cold = run(tmp_path, SOURCE, TESTS, warm=False)
    hot = run(tmp_path, SOURCE, TESTS, warm=True)
    assert [(t.id, t.outcome, t.message) for t in cold.tests] == [(t.id, t.outcome, t.message) for t in hot.tests]
    assert cold.traces.keys() == hot.traces.keys()
    for tid in cold.traces:
        assert [(b, v.before, v.after) for b, v in cold.traces[tid]] == [(b, v.before, v.after) for b, v in hot.traces[tid]]


def test_warm_worker_is_reused_and_forks_fresh_state(tmp_path):
    src = "import sys\nCOUNT = []\n\ndef bump():\n    COUNT.append(1)\n    return len(COUNT)\n"
    tests = "from mod import bump\n\ndef test_bump():\n    assert bump() == 1\n"
    first = run(tmp_path, src, tests)
    w = workers.worker(key_for(tmp_path / "mod.py"))
    second = run(tmp_path, src, tests)
    assert workers.worker(key_for(tmp_path / "mod.py")) is w
    assert [t.outcome for t in first.tests] == [t.outcome for t in second.tests] == ["passed"]


def test_warm_timeout_kills_the_forked_group(tmp_path):
    from test_sandbox import alive_with, in_thread, still_running, wait_for

    token = f"tracefix-warm-grandchild-{os.getpid()}-{time.monotonic_ns()}"
    src = ("import os, subprocess, sys\n\ndef hang():\n"
           f"    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {token!r}])\n"
           f"    subprocess.Popen([sys.executable, '-c', 'import os, time; os.setsid(); time.sleep(60)', {token!r}])\n"
           "    while True:\n        pass\n")
    thread, box = in_thread(run, tmp_path, src, "from mod import hang\n\ndef test_hang():\n    hang()\n", timeout=8)
    grandchildren = wait_for(lambda: len(alive_with(token)) == 2 and alive_with(token))
    thread.join()
    res = box["result"]
    assert grandchildren, "the grandchildren never started: nothing was tested"
    assert [t.outcome for t in res.tests] == ["timeout"]
    survivors = still_running(grandchildren)
    from tracefix import sandbox
    if sandbox.isolation(False)[1]:
        assert survivors == [], "the fork server's sweep must kill escapees too"


def test_warm_output_flood_is_capped(tmp_path):
    src = "def flood():\n    for _ in range(100000):\n        print('y' * 200)\n    return 1\n"
    res = run(tmp_path, src, "from mod import flood\n\ndef test_flood():\n    assert flood() == 1\n",
              output_bytes=50_000)
    assert len(res.tests) == 1
    assert len(res.stdout) < 60_000


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_dead_worker_falls_back_to_a_cold_child(tmp_path):
    (tmp_path / "mod.py").write_text(SOURCE)
    w = workers.worker(key_for(tmp_path / "mod.py"))
    w.close()
    res = run(tmp_path, SOURCE, TESTS)
    assert [t.outcome for t in res.tests] == ["failed", "passed"]


def test_two_venvs_of_one_base_python_get_two_workers(tmp_path):
    """Workers are keyed by the interpreter as given: a venv's python resolves to its base binary."""
    import subprocess
    import sys

    if not sandbox_isolated():
        pytest.skip("no jail here: no warm workers")
    venvs = []
    for name in ("a", "b"):
        folder = tmp_path / name
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
        venvs.append(str(folder / "bin" / "python"))
    assert os.path.realpath(venvs[0]) == os.path.realpath(venvs[1])
    (tmp_path / "mod.py").write_text(SOURCE)
    first = workers.worker(key_for(tmp_path / "mod.py", venvs[0]))
    second = workers.worker(key_for(tmp_path / "mod.py", venvs[1]))
    assert first is not None and second is not None and first is not second


def sandbox_isolated():
    from tracefix import sandbox

    return bool(sandbox.isolation(False)[0])
