"""The real openai client against a real loopback HTTP server: every endpoint failure ends in one clear line."""
import threading
import time

import pytest
from fake_openai import FakeOpenAI, unused_port

from tracefix.config import LLMSettings
from tracefix.llm.client import Session, Skipped, Unavailable


def session(base_url: str, **kw) -> Session:
    return Session(LLMSettings(enabled=True, base_url=base_url, model="m", **{"timeout": 5.0, **kw}))


def test_answer_is_streamed_and_tokens_are_counted():
    with FakeOpenAI([{"content": "hello " * 40}]) as fake:
        s = session(fake.base_url)
        reply = s.chat("sys", "user prompt")
    assert reply.text == "hello " * 40 and reply.finish == "stop"
    assert s.tokens == reply.tokens > 60  # the server's usage numbers, not an estimate of zero
    req = fake.requests[0]["json"]
    assert req["stream"] is True and req["model"] == "m" and req["max_tokens"] > 0


def test_missing_usage_is_estimated_not_free():
    with FakeOpenAI([{"content": "x" * 400, "usage": False}]) as fake:
        s = session(fake.base_url)
        s.chat("s" * 400, "u")
    assert s.tokens >= 200


def test_down_endpoint_is_one_clear_line_and_no_more_requests():
    url = f"http://127.0.0.1:{unused_port()}/v1"
    s = session(url)
    with pytest.raises(Unavailable, match=f"unreachable at {url}: offline results only"):
        s.chat("s", "u")
    with pytest.raises(Unavailable):  # the run does not keep knocking
        s.chat("s", "u")
    assert s.requests == 1


def test_slow_endpoint_times_out_within_the_configured_timeout():
    with FakeOpenAI([{"content": "late", "delay": 3}]) as fake:
        s = session(fake.base_url, timeout=0.5)
        t0 = time.monotonic()
        with pytest.raises(Unavailable, match=r"timed out after 0.5s"):
            s.chat("s", "u")
        assert time.monotonic() - t0 < 2.5


def test_429_waits_for_retry_after_then_succeeds():
    with FakeOpenAI([{"status": 429, "headers": {"Retry-After": "0.4"}}, {"content": "ok"}]) as fake:
        s = session(fake.base_url)
        t0 = time.monotonic()
        assert s.chat("s", "u").text == "ok"
        assert time.monotonic() - t0 >= 0.4
    assert len(fake.requests) == 2


def test_429_forever_stops_after_a_bounded_number_of_requests():
    with FakeOpenAI(responder=lambda body: {"status": 429, "headers": {"Retry-After": "0.05"}}) as fake:
        s = session(fake.base_url)
        for _ in range(4):  # several samples/rounds asking: still no storm
            with pytest.raises(Unavailable, match=r"rate-limiting \(429\)"):
                s.chat("s", "u")
    assert len(fake.requests) == 3


def test_429_with_a_long_retry_after_gives_up_at_once():
    with FakeOpenAI([{"status": 429, "headers": {"Retry-After": "120"}}]) as fake:
        s = session(fake.base_url)
        t0 = time.monotonic()
        with pytest.raises(Unavailable, match="429"):
            s.chat("s", "u")
        assert time.monotonic() - t0 < 2


def test_500_is_retried_once_then_reported():
    with FakeOpenAI([{"status": 500}, {"content": "fine"}]) as fake:
        assert session(fake.base_url).chat("s", "u").text == "fine"
    with FakeOpenAI(responder=lambda b: {"status": 503}) as fake:
        with pytest.raises(Unavailable, match=r"failed \(503\)"):
            session(fake.base_url).chat("s", "u")
    assert len(fake.requests) == 3


def test_malformed_json_is_reported_not_raised():
    with FakeOpenAI([{"malformed": True}]) as fake:
        with pytest.raises(Unavailable, match="unreadable answer"):
            session(fake.base_url).chat("s", "u")


def test_truncated_stream_skips_that_answer_only():
    with FakeOpenAI([{"truncate": True, "content": "def f():\n    return 1\n" * 5}, {"content": "whole"}]) as fake:
        s = session(fake.base_url)
        with pytest.raises(Skipped, match="cut off"):
            s.chat("s", "u")
        assert s.chat("s", "u").text == "whole"
        assert s.tokens > 0


def test_length_finish_without_text_and_empty_answers_are_skipped():
    with FakeOpenAI([{"content": "   "}]) as fake:
        with pytest.raises(Skipped, match="empty"):
            session(fake.base_url).chat("s", "u")


def test_api_key_comes_from_the_named_variable_and_never_reaches_messages(monkeypatch):
    monkeypatch.setenv("MY_LLM_KEY", "sk-secret-123")
    with FakeOpenAI([{"status": 401, "message": "bad key sk-secret-123"}]) as fake:
        s = session(fake.base_url, api_key_env="MY_LLM_KEY")
        with pytest.raises(Unavailable) as err:
            s.chat("s", "u")
    headers = {k.lower(): v for k, v in fake.requests[0]["headers"].items()}
    assert headers["authorization"] == "Bearer sk-secret-123"
    assert "sk-secret" not in str(err.value) and "$MY_LLM_KEY" in str(err.value)


def test_unknown_model_404():
    with FakeOpenAI([{"status": 404}]) as fake:
        with pytest.raises(Unavailable, match="does not know model 'm'"):
            session(fake.base_url).chat("s", "u")


def test_budget_stops_asking():
    with FakeOpenAI(responder=lambda b: {"content": "y" * 800}) as fake:
        s = session(fake.base_url, max_tokens_per_run=700)
        s.chat("s", "u")
        with pytest.raises(Unavailable, match="token budget of 700"):
            for _ in range(5):
                s.chat("s", "u")
    assert s.tokens <= 700 and len(fake.requests) == 4  # the last request asked only for what was left
    assert fake.requests[-1]["json"]["max_tokens"] < 100


def test_budget_holds_when_the_server_counts_more_prompt_tokens_than_we_estimate():
    # A 2,000-character prompt we estimate at ~500 tokens; the server's tokenizer counts 1,000. Without
    # learning that from the first reply, the second request would ask for what is left after a 500-token
    # prompt and the run would end ~480 tokens over its budget.
    user = "x = values[i]  # " * 118
    with FakeOpenAI(responder=lambda b: {"content": "y" * 8000, "prompt_tokens": 1000}) as fake:
        s = session(fake.base_url, max_tokens_per_run=3000)
        s.chat("s", user)
        with pytest.raises(Unavailable, match="token budget of 3000"):
            s.chat("s", user)
    assert s.prompt_scale > 1.9 and len(fake.requests) == 1 and s.tokens <= 3000


def test_cancel_interrupts_a_backoff_wait():
    cancel = threading.Event()
    with FakeOpenAI([{"status": 429, "headers": {"Retry-After": "10"}}]) as fake:
        s = Session(LLMSettings(enabled=True, base_url=fake.base_url, model="m", timeout=5), cancel)
        threading.Timer(0.3, cancel.set).start()
        t0 = time.monotonic()
        with pytest.raises(Unavailable, match="cancelled"):
            s.chat("s", "u")
        assert time.monotonic() - t0 < 3
