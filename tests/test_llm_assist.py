"""``assist`` end to end: real child test runs, the real openai client, a real loopback server with a script.

The bundled ``examples/stats.py`` (loop skips the last element) is the program under debug.
"""
import os
import shutil
from dataclasses import replace

import pytest
from fake_openai import FakeOpenAI, unused_port

from tracefix import discover, edits, localize, segment, childrun
from tracefix.config import LLMSettings, Settings
from tracefix.llm import assist
from tracefix.model import ScoredBlock

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")

GOOD = ("The loop uses range(len(values) - 1), so the last value is never added to total.\n\n```python\n"
        "def mean(values):\n    \"\"\"Arithmetic mean of ``values``.\n\n    >>> mean([2, 4, 6])\n    4.0\n"
        "    \"\"\"\n    total = 0\n    for i in range(len(values)):\n        total += values[i]\n"
        "    return total / len(values)\n```\n")
USELESS = ("The division is wrong.\n```python\ndef mean(values):\n    total = 0\n"
           "    for i in range(len(values) - 1):\n        total += values[i]\n    return total / (len(values))\n```")
# Fixes the one-element case only: strictly more tests pass, not all.
PARTIAL = ("Single values are lost.\n```python\ndef mean(values):\n    if len(values) == 1:\n"
           "        return float(values[0])\n    total = 0\n    for i in range(len(values) - 1):\n"
           "        total += values[i]\n    return total / len(values)\n```")
VERDICTS = ('{"verdicts": [{"block": "mean:B1", "verdict": "correct", "explanation": "total starts at 0"},'
            ' {"block": "mean:B2", "verdict": "incorrect", "explanation": "range stops before the last index"}]}')


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    """stats.py with its tests, segmented, run and localized once (real child process)."""
    folder = tmp_path_factory.mktemp("stats")
    for name in ("stats.py", "test_stats.py"):
        shutil.copy(os.path.join(EXAMPLES, name), folder / name)
    path = str(folder / "stats.py")
    text = open(path).read()
    seg = segment.segment(text)
    tests = discover.discover(path, text)
    run = childrun.run_tests(path, text, seg, tests, Settings())
    assert [t.outcome for t in run.tests].count("passed") == 2
    return path, text, seg, tests, run, localize.localize(seg, run, text)


def answers(*fixes, verdicts=VERDICTS):
    """A responder: block-verdict prompts get ``verdicts``; fix prompts get ``fixes`` in order, then the last."""
    fixes = list(fixes)

    def respond(body):
        prompt = body["messages"][-1]["content"]
        if "Reply with JSON only" in prompt:
            return {"content": verdicts} if isinstance(verdicts, str) else verdicts
        step = fixes.pop(0) if len(fixes) > 1 else fixes[0]
        return step if isinstance(step, dict) else {"content": step}
    return respond


def call(program, base_url, **llm):
    path, text, seg, tests, run, blocks = program
    options = {"samples": 1, "rounds": 2, "timeout": 5.0, **llm}
    settings = replace(Settings(), llm=LLMSettings(enabled=True, base_url=base_url, model="fake", **options))
    return assist(path, text, seg, tests, run, blocks, settings)


def test_verdicts_rank_the_loop_block_first_and_a_fix_is_validated(program):
    with FakeOpenAI(responder=answers(GOOD)) as fake:
        result = call(program, fake.base_url, samples=2)
    top = result.blocks[0]
    assert top.block.id == "mean:B2" and top.verdict == "incorrect"
    assert top.explanation.startswith("LLM: range stops before the last index")
    assert next(b for b in result.blocks if b.block.id == "mean:B1").verdict == "correct"
    assert result.messages == [] and result.tokens > 0 and result.requests == 3
    [s] = result.suggestions
    assert s.origin == "llm" and s.validation.passed == s.validation.total == 5 and not s.validation.broken
    assert s.title.startswith("The loop uses range(len(values) - 1)")
    assert "all tests pass" in s.explanation
    # Minimal edit, not a whole-function rewrite, and it applies cleanly to the debugged text.
    assert len(s.edits) == 1 and s.edits[0]["range"]["start"]["line"] == 13
    assert edits.apply_edits(program[1], s.edits) == s.new_text
    f = s.features
    assert f["operator"] == f["origin"] == "llm" and f["sample_agreement"] == 1.0 and f["edit_lines"] == 1
    assert f["tests_fixed"] == 3 and f["tests_total"] == 5 and f["tests_broken"] == 0
    assert f["block_rank"] == 0 and f["in_top_block"] is True
    # The LDB prompt: block markers, the failing test's code and the block-by-block values.
    verdict_prompt = fake.user_prompts()[0]
    assert "# [mean:B2] lines 14-14" in verdict_prompt and "def test_mean(values, expected):" in verdict_prompt
    assert "before: values=[1, 2, 3, 4], total=0" in verdict_prompt and "returned: 1.5" in verdict_prompt
    assert "range stops before the last index" in fake.user_prompts()[1]


def test_failed_attempt_becomes_a_lesson_and_is_rolled_back(program):
    with FakeOpenAI(responder=answers(USELESS, GOOD)) as fake:
        result = call(program, fake.base_url)
    second = fake.user_prompts()[2]
    assert "Mistakes to avoid" in second and "return total / (len(values))" in second
    assert "range(len(values) - 1)" in second  # rolled back: round 2 starts from the original code
    [s] = result.suggestions
    assert s.features["round"] == 2 and s.validation.passed == 5


def test_partial_improvement_is_kept_and_built_on(program):
    final = GOOD.replace("    total = 0\n", "    if len(values) == 1:\n        return float(values[0])\n    total = 0\n")
    with FakeOpenAI(responder=answers(PARTIAL, final)) as fake:
        result = call(program, fake.base_url)
    assert "if len(values) == 1:" in fake.user_prompts()[2]  # round 2 sees the kept code
    assert [s.validation.passed for s in result.suggestions] == [5, 3]
    assert result.best_text == result.suggestions[0].new_text


def test_a_fix_that_breaks_a_passing_test_is_never_offered(program):
    bad = "It should return 2.5.\n```python\ndef mean(values):\n    return 2.5\n```"
    with FakeOpenAI(responder=answers(bad)) as fake:
        result = call(program, fake.base_url)
    assert result.suggestions == [] and result.rounds == 2


def test_the_api_key_never_reaches_the_child(program, monkeypatch):
    monkeypatch.setenv("TRACEFIX_TEST_KEY", "sk-do-not-leak")
    spy = GOOD.replace("    total = 0\n", "    import os\n    assert 'sk-do-not-leak' not in str(os.environ)\n"
                                          "    total = 0\n")
    with FakeOpenAI(responder=answers(spy)) as fake:
        result = call(program, fake.base_url, api_key_env="TRACEFIX_TEST_KEY")
    assert {k.lower(): v for k, v in fake.requests[0]["headers"].items()}["authorization"] == "Bearer sk-do-not-leak"
    assert result.suggestions and result.suggestions[0].validation.passed == 5
    assert all("sk-do-not-leak" not in m for m in result.messages)


ROBUSTNESS = [
    ("prose", {"content": "The loop bound is off by one; iterate over every index."}, "the answer contained no code"),
    ("no parse", {"content": "```python\ndef mean(values):\n    for i in range(len(values):\n        pass\n```"},
     "does not parse"),
    ("signature", {"content": "```python\ndef mean(values, start=0):\n    return sum(values) / len(values)\n```"},
     "changed the signature of mean"),
    ("truncated", {"truncate": True, "content": GOOD}, "cut off"),
    ("malformed", {"malformed": True}, "unreadable answer"),
    ("500", {"status": 500}, "failed (500)"),
    ("429", {"status": 429, "headers": {"Retry-After": "0.05"}}, "rate-limiting (429)"),
    ("slow", {"content": GOOD, "delay": 2.5}, "timed out after 1s"),
]


@pytest.mark.parametrize("case, step, message", ROBUSTNESS, ids=[r[0] for r in ROBUSTNESS])
def test_bad_answers_end_in_a_message_and_the_offline_result(program, case, step, message):
    with FakeOpenAI(responder=lambda body: step) as fake:
        result = call(program, fake.base_url, timeout=1.0)
    assert result.suggestions == []
    assert any(message in m for m in result.messages), result.messages
    assert all(len(m.splitlines()) == 1 for m in result.messages)
    # Without usable verdicts the offline ranking stands untouched.
    assert [(b.block.id, b.suspiciousness) for b in result.blocks] == [
        (b.block.id, b.suspiciousness) for b in program[5]]
    assert len(fake.requests) <= 6


def test_endpoint_down(program):
    url = f"http://127.0.0.1:{unused_port()}/v1"
    result = call(program, url)
    assert result.messages == [f"LLM endpoint unreachable at {url}: offline results only"]
    assert result.blocks == program[5] and result.suggestions == [] and result.requests == 1


def test_unreadable_verdicts_keep_offline_ranking_but_still_fix(program):
    with FakeOpenAI(responder=answers(GOOD, verdicts="all good I think")) as fake:
        result = call(program, fake.base_url)
    assert "not readable JSON" in result.messages[0]
    assert result.blocks == program[5] and result.suggestions


def test_not_configured_and_disabled(program):
    path, text, seg, tests, run, blocks = program
    off = assist(path, text, seg, tests, run, blocks, Settings())
    assert off.messages == [] and off.blocks == blocks and off.tokens == 0
    half = replace(Settings(), llm=LLMSettings(enabled=True))
    assert "no endpoint is configured" in assist(path, text, seg, tests, run, blocks, half).messages[0]


# --- offline + LLM: what is (not) asked once the offline repair has run (issue 15 item 4) -------------------
BLAME_B1 = ('{"verdicts": [{"block": "mean:B1", "verdict": "incorrect", "explanation": "total should start at 1"},'
            ' {"block": "mean:B2", "verdict": "correct", "explanation": "the loop is fine"}]}')


@pytest.fixture(scope="module")
def repaired(program):
    """The real offline repair of stats.py: its best fix passes every test, and its block leads the ranking."""
    from tracefix import repair
    path, text, seg, tests, run, blocks = program
    out = repair.repair_and_rank(path, text, seg, tests, run, blocks, Settings(), cancel=None)
    best = out.suggestions[0]
    assert not best.validation.broken and best.validation.passed == best.validation.total
    return out


def call_after_repair(program, repaired, base_url, offline=None, **llm):
    path, text, seg, tests, run, _ = program
    options = {"samples": 1, "rounds": 2, "timeout": 5.0, **llm}
    settings = replace(Settings(), llm=LLMSettings(enabled=True, base_url=base_url, model="fake", **options))
    return assist(path, text, seg, tests, run, repaired.blocks, settings,
                  offline=repaired.suggestions if offline is None else offline)


def test_no_fix_is_asked_when_an_offline_fix_passes_every_test(program, repaired):
    top = repaired.blocks[0]
    with FakeOpenAI(responder=answers(GOOD, verdicts=BLAME_B1)) as fake:
        result = call_after_repair(program, repaired, fake.base_url)
    prompts_sent = fake.user_prompts()
    # Only the verdict request went out: the blocks can still be reordered below the fix's block.
    assert len(prompts_sent) == 1 and "Reply with JSON only" in prompts_sent[0]
    assert result.suggestions == [] and result.rounds == 0 and result.messages == []
    assert result.skipped == ["fix: an offline fix already passes every test"]
    # The model blames B1 and clears B2, yet the block the validated fix edits stays first, as it was.
    first = result.blocks[0]
    assert (first.block, first.verdict, first.explanation) == (top.block, top.verdict, top.explanation)
    assert all(sb.suspiciousness < first.suspiciousness for sb in result.blocks[1:])
    b1 = next(sb for sb in result.blocks if sb.block.id == "mean:B1")
    assert b1.verdict == "incorrect" and result.blocks.index(b1) == 1


def test_a_partial_offline_fix_still_asks_for_a_fix(program, repaired):
    best = repaired.suggestions[0]
    partial = replace(best, validation=replace(best.validation, fixed=best.validation.fixed[:1]))
    with FakeOpenAI(responder=answers(GOOD)) as fake:
        result = call_after_repair(program, repaired, fake.base_url, offline=[partial])
    assert len(fake.user_prompts()) == 2 and result.skipped == []
    assert [s.validation.passed for s in result.suggestions] == [5]


def test_without_trace_blocks_a_settled_run_asks_nothing(program, repaired):
    path, text, seg, tests, run, _ = program
    with FakeOpenAI(responder=answers(GOOD)) as fake:
        settings = replace(Settings(), llm=LLMSettings(enabled=True, base_url=fake.base_url, model="fake"))
        result = assist(path, text, seg, tests, run, repaired.blocks, settings, feedback="error",
                        offline=repaired.suggestions)
    assert fake.requests == [] and result.tokens == 0 and result.blocks == repaired.blocks


def test_verdicts_are_asked_only_when_they_can_move_a_block(program):
    from tracefix.llm.assist import verdicts_can_move
    blocks = program[5]
    ranked = [ScoredBlock(b.block, b.suspiciousness) for b in blocks]
    pinned = ranked[0].block.id
    assert not verdicts_can_move(ranked[:1], [pinned], pinned)  # only the fix's own block was traced
    assert not verdicts_can_move(ranked[:2], [pinned], pinned)
    assert not verdicts_can_move(ranked[:1], [pinned, "f:B9"], pinned)  # one block left: no order to change
    assert not verdicts_can_move(ranked[:2], [pinned, ranked[1].block.id], pinned)  # second whatever is said
    assert verdicts_can_move(ranked[:3], [pinned, ranked[1].block.id], pinned)
    assert verdicts_can_move(ranked[:1], [pinned, "f:B8", "f:B9"], pinned)
    assert not verdicts_can_move(ranked[:1], [pinned], None) and verdicts_can_move(ranked[:1], ["f:B8"], None)
