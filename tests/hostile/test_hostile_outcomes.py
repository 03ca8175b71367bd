"""Issue 12, honest outcomes: a test that ends the session, the process or the fork server is not "passed".

Each document has a passing test before and after the one that misbehaves. Through the real
CLI: exit code 1 (0 would say "all tests pass"), the misbehaving test reported and not
passed, the tests around it reported with their real outcomes, every test exactly once.
"""
from __future__ import annotations

from collections import Counter

import pytest

import cases
import docs
import world

pytestmark = pytest.mark.slow

SESSION_ENDS = "KeyboardInterrupt / pytest.exit end pytest's session: the rest is dropped and exit is 0 (issue 12 part 4)"
KNOWN = {"keyboard_interrupt": SESSION_ENDS, "sigint_to_self": SESSION_ENDS, "pytest_exit_0": SESSION_ENDS}


def _ids(run: world.Cli) -> list[str]:
    return [t["id"] for t in (run.report or {}).get("tests", [])]


def _check(run: world.Cli, expected: dict[str, str], misbehaving: str) -> None:
    assert not run.hung, "no answer within the hang guard"
    assert "Traceback (most recent call last)" not in run.stderr, run.stderr[-800:]
    assert cases.leaked(run.stdout + run.stderr) == []
    dupes = [i for i, n in Counter(_ids(run)).items() if n > 1]
    assert dupes == [], f"reported more than once: {dupes}"
    outcomes = run.outcomes
    assert misbehaving in outcomes and outcomes[misbehaving] != "passed", outcomes
    for test_id, outcome in expected.items():
        assert outcomes.get(test_id) == outcome, (test_id, outcomes)
    assert run.returncode == 1, (run.returncode, outcomes, run.stderr[-300:])


@pytest.mark.parametrize("kind", [pytest.param(k, marks=[pytest.mark.xfail(strict=False, reason=KNOWN[k])]
                                               if k in KNOWN else []) for k in docs.ENDINGS])
def test_a_test_that_ends_the_run_is_not_passed(kind, tmp_path):
    doc = docs.ending(tmp_path, kind)
    run = world.debug(doc, cases.secret_env(), "--no-repair", "--timeout", "20")
    name = doc.name
    # test_c may be reported as not run (error/skipped) rather than run, but it must be reported.
    _check(run, {f"{name}::test_a": "passed"}, f"{name}::test_ends")
    assert f"{name}::test_c" in run.outcomes, run.outcomes


FALLBACK = ("the fork server dies mid-run and the cold fallback appends to the same results: every test twice "
            "(issue 12 parts 2 and 4)")


@pytest.mark.parametrize("template", [pytest.param(t, marks=pytest.mark.xfail(strict=False, reason=FALLBACK))
                                      for t in ("crashes_forkserver.py", "signals_sandbox.py")])
def test_a_job_that_attacks_the_fork_server_still_gets_every_result_once(template, tmp_path):
    doc = docs.attack(tmp_path, template, "attack.py")
    run = world.debug(doc, cases.secret_env(), "--no-repair", "--timeout", "20")
    assert not run.hung and run.returncode == 1, (run.returncode, run.stderr[-500:])
    dupes = [i for i, n in Counter(_ids(run)).items() if n > 1]
    assert dupes == [], f"reported more than once: {dupes}"
    outcomes = run.outcomes
    assert {k: outcomes.get(k) for k in ("attack.py::test_a", "attack.py::test_b", "attack.py::test_c")} == {
        "attack.py::test_a": "passed", "attack.py::test_b": "failed", "attack.py::test_c": "passed"}, outcomes
