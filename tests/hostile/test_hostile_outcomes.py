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



def _ids(run: world.Cli) -> list[str]:
    return [t["id"] for t in (run.report or {}).get("tests", [])]


def _check(run: world.Cli, expected: dict[str, str], misbehaving: str) -> None:
    """``expected`` and ``misbehaving`` are test names (``test_a``)."""
    assert not run.hung, "no answer within the hang guard"
    assert "Traceback (most recent call last)" not in run.stderr, run.stderr[-800:]
    assert cases.leaked(run.stdout + run.stderr) == []
    dupes = [i for i, n in Counter(_ids(run)).items() if n > 1]
    assert dupes == [], f"reported more than once: {dupes}"
    outcomes = run.by_name
    assert misbehaving in outcomes and outcomes[misbehaving] != "passed", outcomes
    for name, outcome in expected.items():
        assert outcomes.get(name) == outcome, (name, outcomes)
    assert run.returncode == 1, (run.returncode, outcomes, run.stderr[-300:])


@pytest.mark.parametrize("mode", world.MODES)
@pytest.mark.parametrize("kind", list(docs.ENDINGS))
def test_a_test_that_ends_the_run_is_not_passed(kind, mode, tmp_path):
    doc = docs.ending(tmp_path, kind)
    run = world.debug(doc, world.mode_env(mode), "--no-repair", "--timeout", "20")
    # test_c may be reported as not run (error/skipped) rather than run, but it must be reported.
    _check(run, {"test_a": "passed"}, "test_ends")
    assert "test_c" in run.by_name, run.outcomes


@pytest.mark.parametrize("mode", world.MODES)
@pytest.mark.parametrize("template", ["crashes_forkserver.py", "signals_sandbox.py"])
def test_a_job_that_attacks_the_fork_server_still_gets_every_result_once(template, mode, tmp_path):
    doc = docs.attack(tmp_path, template, "attack.py")
    run = world.debug(doc, world.mode_env(mode), "--no-repair", "--timeout", "20")
    assert not run.hung and run.returncode == 1, (run.returncode, run.stderr[-500:])
    dupes = [i for i, n in Counter(_ids(run)).items() if n > 1]
    assert dupes == [], f"reported more than once: {dupes}"
    outcomes = run.by_name
    assert {k: outcomes.get(k) for k in ("test_a", "test_b", "test_c")} == {
        "test_a": "passed", "test_b": "failed", "test_c": "passed"}, outcomes
