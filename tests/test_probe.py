"""The probe inside real child interpreters: values, loop sampling, exceptions, generators,
recursion, classes and async tests, on every interpreter we can find."""
import os
import textwrap

import pytest

from tracefix import discover, segment, childrun
from tracefix.config import Settings
from tracefix.mentions import names_by_block

PYTHONS = {
    "3.11": None,  # tracefix's own interpreter
    "3.12": "/root/.pyenv/versions/3.12.1/bin/python",
    "3.13": "/root/.pyenv/versions/3.13.0/bin/python",
}


def available():
    out = []
    for name, path in PYTHONS.items():
        if path is None or os.path.exists(path):
            out.append(pytest.param(path, id=name))
        else:
            out.append(pytest.param(path, id=name, marks=pytest.mark.skip(reason=f"{path} not installed")))
    return out


def run(tmp_path, source, tests=None, python=None, budgets=None, name="mod.py"):
    doc = tmp_path / name
    doc.write_text(textwrap.dedent(source))
    if tests:
        (tmp_path / f"test_{name}").write_text(textwrap.dedent(tests))
    text = doc.read_text()
    seg = segment.segment(text)
    found = discover.discover(str(doc), text)
    return seg, childrun.run_tests(str(doc), text, seg, found, Settings(timeout=30), python=python, budgets=budgets)


def visits(run_result, test_suffix):
    (tid,) = [t for t in run_result.traces if t.endswith(test_suffix)]
    return run_result.traces[tid]


@pytest.mark.parametrize("python", available())
def test_values_before_and_after_each_block(tmp_path, python):
    _, res = run(tmp_path, """
        def clamp(x, lo, hi):
            if x < lo:
                x = lo
            elif x > hi:
                x = hi
            return x
        """, """
        from mod import clamp
        def test_low():
            assert clamp(-5, 0, 10) == 0
        """, python=python)
    assert [t.outcome for t in res.tests] == ["passed"]
    seq = visits(res, "test_low")
    assigned = [v for _, v in seq if v.before.get("x") == "-5" and v.after.get("x") == "0"]
    assert assigned, seq
    assert seq[-1][1].returned == "0"
    assert res.spectra["test_mod.py::test_low"] >= {b for b, _ in seq}


@pytest.mark.parametrize("python", available())
def test_loops_keep_first_and_last_iterations_and_count_the_rest(tmp_path, python):
    seg, res = run(tmp_path, """
        def total(n):
            s = 0
            for i in range(n):
                s += i
            return s
        """, """
        from mod import total
        def test_total():
            assert total(50) == 1225
        """, python=python, budgets={"first_k": 3, "last_k": 2})
    seq = visits(res, "test_total")
    body_block = seg.block_at(5).id  # the `s += i` line
    body = [v for b, v in seq if b == body_block]
    iterations = [v.iteration for v in body]
    assert iterations[:3] == [0, 1, 2]
    assert iterations[-2:] == [48, 49], iterations
    assert len(body) == 5
    last = body[-1]
    assert last.before["s"] == "1176" and last.after["s"] == "1225"


@pytest.mark.parametrize("python", available())
def test_exception_site_and_message(tmp_path, python):
    _, res = run(tmp_path, """
        def ratio(a, b):
            scale = 10
            return a * scale / b
        """, """
        from mod import ratio
        def test_zero():
            assert ratio(1, 0) == 0
        """, python=python)
    (t,) = res.tests
    assert t.outcome == "failed"
    assert t.message.startswith("ZeroDivisionError")
    assert t.exception["type"] == "ZeroDivisionError" and t.exception["line"] == 4
    assert t.line == 4
    seq = visits(res, "test_zero")
    assert seq[-1][1].raised.startswith("ZeroDivisionError")
    assert seq[-1][1].returned is None


@pytest.mark.parametrize("python", available())
def test_recursion_generators_and_classes(tmp_path, python):
    _, res = run(tmp_path, """
        class Point:
            def __init__(self, x, y):
                self.x = x
                self.y = y

        def fact(n):
            if n <= 1:
                return 1
            return n * fact(n - 1)

        def evens(limit):
            for i in range(limit):
                if i % 2 == 0:
                    yield i

        def make():
            p = Point(1, 2)
            return p
        """, """
        from mod import fact, evens, make
        def test_all():
            assert fact(4) == 24
            assert list(evens(5)) == [0, 2, 4]
            assert make().x == 1
        """, python=python)
    assert [t.outcome for t in res.tests] == ["passed"]
    seq = visits(res, "test_all")
    depths = {v.depth for b, v in seq if b.startswith("fact:")}
    assert len(depths) >= 4, "each recursion level is its own call"
    returns = [v.returned for b, v in seq if b.startswith("fact:") and v.returned]
    assert set(returns) == {"1", "2", "6", "24"}
    yielded = [v.returned for b, v in seq if b.startswith("evens:") and v.returned is not None]
    assert yielded[:3] == ["0", "2", "4"]
    made = [v for b, v in seq if b.startswith("make:")][-1]
    assert made.after["p"] == "Point(x=1, y=2)"


def test_async_tests_run_through_pytest_asyncio(tmp_path):
    pytest.importorskip("pytest_asyncio")
    _, res = run(tmp_path, """
        import asyncio

        async def double(x):
            await asyncio.sleep(0)
            y = x * 2
            return y
        """, """
        import pytest
        from mod import double

        @pytest.mark.asyncio
        async def test_double():
            assert await double(3) == 7
        """)
    (t,) = res.tests
    assert t.outcome == "failed" and t.comparison == {"op": "==", "left": "6", "right": "7"}
    assert any(v.after.get("y") == "6" for _, v in visits(res, "test_double"))


def test_tracing_does_not_change_behaviour_or_output(tmp_path):
    source = """
        import sys

        def shout(word):
            print(word.upper())
            names = set(globals()) | set(vars(shout))
            return sorted(n for n in names if "tracefix" in n.lower() or n.startswith("_tf"))

        def our_modules():
            return sorted(m for m in sys.modules if m in ("tracer", "runner", "forkserver"))
        """
    tests = """
        from mod import shout, our_modules
        def test_shout(capsys):
            assert shout("hi") == []
            assert capsys.readouterr().out == "HI\\n"
            assert our_modules() == []
        """
    _, traced = run(tmp_path, source, tests)
    assert [t.outcome for t in traced.tests] == ["passed"], traced.tests
    assert "HI" not in traced.stdout  # the user's print went to pytest's capture, not around it


def test_buffer_text_runs_not_the_file_on_disk(tmp_path):
    doc = tmp_path / "mod.py"
    doc.write_text("def f():\n    return 1\n")
    (tmp_path / "test_mod.py").write_text("from mod import f\n\ndef test_f():\n    assert f() == 2\n")
    text = "def f():\n    return 2\n"
    seg = segment.segment(text)
    res = childrun.run_tests(str(doc), text, seg, discover.discover(str(doc), text), Settings())
    assert [t.outcome for t in res.tests] == ["passed"]
    assert doc.read_text() == "def f():\n    return 1\n"


def test_interpreter_without_pytest_uses_tracefix_copy(tmp_path):
    py = PYTHONS["3.12"]
    if not os.path.exists(py):
        pytest.skip("python3.12 not installed")
    _, res = run(tmp_path, "def one():\n    return 1\n",
                 "from mod import one\n\ndef test_one():\n    assert one() == 1\n", python=py)
    assert [t.outcome for t in res.tests] == ["passed"], res.tests


def test_infinite_loop_times_out_and_keeps_finished_tests(tmp_path):
    doc = tmp_path / "mod.py"
    doc.write_text("def spin(n):\n    while n:\n        pass\n    return n\n")
    (tmp_path / "test_mod.py").write_text(
        "from mod import spin\n\ndef test_a_ok():\n    assert spin(0) == 0\n\ndef test_b_hangs():\n    spin(1)\n")
    text = doc.read_text()
    seg = segment.segment(text)
    res = childrun.run_tests(str(doc), text, seg, discover.discover(str(doc), text), Settings(timeout=8))
    outcomes = {t.id: t.outcome for t in res.tests}
    assert outcomes["test_mod.py::test_a_ok"] == "passed"
    assert outcomes["test_mod.py::test_b_hangs"] == "timeout"
    assert "did not finish within 8 s" in res.error


def test_memory_bomb_is_stopped_by_the_limit(tmp_path):
    doc = tmp_path / "mod.py"
    doc.write_text("def bomb():\n    x = []\n    while True:\n        x.append(' ' * 10_000_000)\n")
    (tmp_path / "test_mod.py").write_text("from mod import bomb\n\ndef test_bomb():\n    bomb()\n")
    text = doc.read_text()
    seg = segment.segment(text)
    res = childrun.run_tests(str(doc), text, seg, discover.discover(str(doc), text), Settings(timeout=20, memory_mb=300))
    (t,) = res.tests
    assert t.outcome in ("failed", "error")
    assert "MemoryError" in t.message or "memory" in t.message.lower()


def test_script_and_doctest_sources(tmp_path):
    _, res = run(tmp_path, '''
        def half(x):
            """
            >>> half(4)
            2
            """
            return x // 3

        if __name__ == "__main__":
            assert half(6) == 3
        ''')
    outcomes = {t.id: (t.outcome, t.message) for t in res.tests}
    assert outcomes["doctest:half"][0] == "failed" and "expected 2" in outcomes["doctest:half"][1]
    assert outcomes["__main__"][0] == "failed" and outcomes["__main__"][1].startswith("AssertionError")


def test_module_inside_a_package_with_relative_imports(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "util.py").write_text("def twice(x):\n    return 2 * x\n")
    (pkg / "test_core.py").write_text("from pkg.core import quad\n\ndef test_quad():\n    assert quad(2) == 8\n")
    doc = pkg / "core.py"
    doc.write_text("from .util import twice\n\ndef quad(x):\n    return twice(twice(x))\n")
    text = "from .util import twice\n\ndef quad(x):\n    return twice(twice(x)) + 1\n"  # unsaved edit
    seg = segment.segment(text)
    res = childrun.run_tests(str(doc), text, seg, discover.discover(str(doc), text), Settings())
    (t,) = res.tests
    assert t.outcome == "failed" and t.comparison["left"] == "9", res.tests


def newest(minor):
    """The newest pyenv CPython ``minor`` (e.g. "3.12") installed here, else None."""
    import glob

    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{minor}.*/bin/python")))
    return found[-1] if found else None


def backends():
    """Each tracer backend on an interpreter that has it: settrace on ours (3.11), sys.monitoring on 3.12 and 3.13."""
    out = [pytest.param(None, "settrace", id="settrace")]
    for minor in ("3.12", "3.13"):
        python = newest(minor)
        out.append(pytest.param(python, "monitoring", id=f"monitoring-{minor}",
                                marks=pytest.mark.skipif(python is None, reason=f"no pyenv CPython {minor} here")))
    return out


HOT = """
    def spin(n):
        total = 0
        for i in range(n):
            total += i
        return total
    """
HOT_TESTS = """
    from mod import spin

    def test_a_hot():
        assert [spin(200) for _ in range(3)] == [19900] * 3

    def test_b_after():
        assert spin(3) == 3
    """


@pytest.mark.parametrize("python,backend", backends())
def test_a_block_hot_in_one_test_is_still_recorded_in_the_next(tmp_path, python, backend):
    """Per-test budgets start afresh with every test, on both backends (sys.monitoring's DISABLE included)."""
    seg, res = run(tmp_path, HOT, HOT_TESTS, python=python, budgets={"hot_line": 20, "calls_per_code": 2})
    assert res.backend == ("sys.monitoring" if backend == "monitoring" else "sys.settrace"), res.backend_reason
    body = next(b.id for b in seg.blocks if b.start_line == b.end_line == 5)  # `total += i`
    after = visits(res, "test_b_after")
    assert {"hot_line", "calls"} <= set(res.gaps[next(t for t in res.traces if t.endswith("test_a_hot"))].truncated)
    assert [v.after["total"] for b, v in after if b == body] == ["0", "1", "3"]
    assert not res.trace_note(next(t for t in res.traces if t.endswith("test_b_after")))


MAPPED = """
    import lib

    def spin(n):
        total = 0
        for i in range(n):
            total += i
        return lib.same(total)
    """
MAPPED_TESTS = """
    import lib
    from mod import spin

    def test_a_spent():
        assert [spin(200) for _ in range(3)] == [19900] * 3

    def test_b_lib_only():
        assert lib.same(4) == 4

    def test_c_hot_line():
        assert spin(40) == 780

    def test_d_both():
        assert spin(3) == 3

    def test_e_neither():
        assert True
    """


@pytest.mark.parametrize("python,backend", [p for p in backends() if p.values[1] == "monitoring"])
def test_the_coverage_map_and_the_trace_start_afresh_with_every_test(tmp_path, python, backend):
    """3.12+: each test's map names exactly the project files it ran, and each test's trace is whole,
    whatever budgets the tests before it spent (calls: a function's PY_START switched off; hot line:
    a leader switched off) and whichever code objects reported in them."""
    (tmp_path / "lib.py").write_text("def same(x):\n    y = x\n    return y\n")
    seg, res = run(tmp_path, MAPPED, MAPPED_TESTS, python=python, budgets={"hot_line": 20, "calls_per_code": 2})
    assert res.backend == "sys.monitoring", res.backend_reason
    ids = {t.split("::")[-1]: t for t in res.traces}
    assert [t.outcome for t in res.tests] == ["passed"] * 5, [t.message for t in res.tests]
    files = {name: res.files.get(tid) for name, tid in ids.items()}
    assert files == {"test_a_spent": ["lib.py", "mod.py", "test_mod.py"],
                     "test_b_lib_only": ["lib.py", "test_mod.py"],
                     "test_c_hot_line": ["lib.py", "mod.py", "test_mod.py"],
                     "test_d_both": ["lib.py", "mod.py", "test_mod.py"],
                     "test_e_neither": ["test_mod.py"]}
    assert set(res.gaps[ids["test_a_spent"]].truncated) == {"calls", "hot_line"}
    assert res.gaps[ids["test_c_hot_line"]].truncated == ["hot_line"]
    body = next(b.id for b in seg.blocks if b.start_line == b.end_line == 7)  # `total += i`
    assert [v.after["total"] for b, v in visits(res, "test_d_both") if b == body] == ["0", "1", "3"]
    assert ids["test_d_both"] not in res.gaps
    # Only the document's frames are traced: lib.same ran in four tests and is in no trace.
    assert {b.split(":")[0] for tid in res.traces for b, _ in res.traces[tid]} == {"spin"}
    assert visits(res, "test_b_lib_only") == [] and visits(res, "test_e_neither") == []


def test_a_truncated_trace_says_so_in_the_report_json_and_cli(tmp_path):
    from tracefix import render
    from tracefix.model import Report, to_json

    _, res = run(tmp_path, HOT, """
        from mod import spin

        def test_many_calls():
            assert sum(spin(k) for k in range(6)) == 0
        """, budgets={"calls_per_code": 2})
    (tid,) = res.traces
    assert res.gaps[tid].truncated == ["calls"]
    note = res.trace_note(tid)
    assert note.startswith("trace truncated") and "traced calls per function" in note
    assert res.backend == "sys.settrace" and "no sys.monitoring" in res.backend_reason
    report = Report(file=str(tmp_path / "mod.py"), python=res.python, tests=res.tests, blocks=[], suggestions=[],
                    run=res)
    data = to_json(report)
    assert data["trace"]["backend"] == "sys.settrace"
    assert data["trace"]["gaps"][tid]["truncated"] == ["calls"]
    assert note in render.human(report)


def test_a_probe_of_another_contract_version_is_refused_with_one_error(tmp_path, monkeypatch):
    """A stale probe folder (another tracefix's files) must not be misread: one clear error, every test errored."""
    import shutil

    from tracefix import child, contract

    project = tmp_path / "p"
    project.mkdir()
    doc = project / "mod.py"
    doc.write_text("def one():\n    return 1\n")
    (project / "test_mod.py").write_text("from mod import one\n\ndef test_one():\n    assert one() == 1\n")
    text = doc.read_text()
    # Collected by the real probe first: only the run below meets the stale one.
    found = discover.discover(str(doc), text, Settings(warm=False))
    assert [t.id for t in found] == ["test_mod.py::test_one"]
    probe = tmp_path / "old-probe"
    shutil.copytree(child.PROBE_DIR, probe, ignore=shutil.ignore_patterns("__pycache__"))
    source = (probe / "contract.py").read_text()
    (probe / "contract.py").write_text(source.replace(f"VERSION = {contract.VERSION}\n", "VERSION = 1\n"))
    monkeypatch.setattr(child, "PROBE_DIR", str(probe))
    res = childrun.run_tests(str(doc), text, segment.segment(text), found, Settings(warm=False))
    assert res.error.startswith("the test probe speaks contract version 1 but this tracefix server needs")
    assert [(t.outcome, t.message) for t in res.tests] == [("error", res.error)]


@pytest.mark.parametrize("python", available())
def test_a_visit_renders_the_names_its_block_mentions_and_a_call_starts_with_its_arguments(tmp_path, python):
    seg, res = run(tmp_path, """
        def count(table, wanted):
            seen = 0
            for key in table:
                seen += 1
            found = wanted in table
            return seen, found
        """, """
        from mod import count
        def test_count():
            assert count({"a": [1, 2], "b": [3]}, "b") == (2, True)
        """, python=python)
    seq = visits(res, "test_count")
    first = seq[0][1]
    assert first.before == {"table": "{'a': [1, 2], 'b': [3]}", "wanted": "'b'"}
    # The loop's visits render what the loop header and body mention (table, key, seen), not `wanted`.
    loop = [v for b, v in seq if b in (seg.block_at(4).id, seg.block_at(5).id)]
    assert len(loop) == 5 and all(set(v.before) | set(v.after) <= {"table", "key", "seen", "wanted"} for v in loop)
    assert all("wanted" not in v.before and "key" in v.after for v in loop[:-1]), loop
    # The call's last visit (`found = wanted in table` and the return) shows every local, those its block
    # does not mention (`key`) as the call's visits last rendered them (childrun): the repair search looks
    # there for a variable that holds what a failing test expected.
    last = [v for b, v in seq if b == seg.block_at(6).id][-1]
    assert last.after == {"table": "{'a': [1, 2], 'b': [3]}", "wanted": "'b'", "seen": "2", "key": "'b'",
                          "found": "True"}
    assert last.returned == "(2, True)"
    # A snapshot serves two blocks, but only names its own block mentions can look changed by a visit.
    mentioned = names_by_block((tmp_path / "mod.py").read_text(), seg)
    assert all(set(v.changes()) <= set(mentioned[b]) for b, v in seq), [(b, v.changes()) for b, v in seq]
    assert any(v.changes() for _, v in seq)


SPENT = """
    def spin(n):
        total = 0
        for i in range(n):
            total += i
        return total

    def late(x):
        if x > 0:
            return "positive"
        return "other"
    """
SPENT_TESTS = """
    from mod import late, spin

    def test_a_spends_then_reaches_late():
        assert spin(50) == 1225
        assert late(1) == "positive"

    def test_b_again():
        assert spin(3) == 3
        assert late(0) == "other"
    """


@pytest.mark.parametrize("python,backend", backends())
def test_past_the_visit_budget_blocks_still_reach_the_spectrum_and_the_next_test_is_traced_again(
        tmp_path, python, backend):
    """Once a test's visits are spent, later blocks only join its spectrum (under sys.monitoring their
    leaders DISABLE themselves); the next test is traced in full, those leaders re-armed."""
    seg, res = run(tmp_path, SPENT, SPENT_TESTS, python=python, budgets={"max_visits_per_test": 16})
    assert res.backend == ("sys.monitoring" if backend == "monitoring" else "sys.settrace"), res.backend_reason
    first = next(t for t in res.traces if t.endswith("test_a_spends_then_reaches_late"))
    second = next(t for t in res.traces if t.endswith("test_b_again"))
    positive = seg.block_at(10).id  # `return "positive"`: reached only after the budget is spent
    assert positive in res.spectra[first]
    assert positive not in {b for b, _ in res.traces[first]}
    assert "visits" in res.gaps[first].truncated and res.gaps[first].not_recorded > 0
    body = seg.block_at(5).id  # `total += i`, spent in the first test
    assert [v.after["total"] for b, v in res.traces[second] if b == body] == ["0", "1", "3"]
    assert seg.block_at(11).id in {b for b, _ in res.traces[second]}  # `return "other"`, recorded
    assert not res.trace_note(second)
