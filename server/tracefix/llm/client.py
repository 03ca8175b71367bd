"""One chat session with an OpenAI-compatible endpoint, bounded by a token budget.

Every failure of the endpoint (down, slow, rate-limited, 5xx, garbage, a stream cut
in the middle) becomes an ``Unavailable`` carrying a one-line message for the user;
callers turn that into "offline results only", never a crash. Retries are our own
(the client's are off) so a run makes at most a couple of extra requests: a flaky
endpoint must not be hammered by every sample of every round.
"""
from __future__ import annotations

import email.utils
import os
import threading
import time
from dataclasses import dataclass

from tracefix.config import LLMSettings

# A reply longer than this many tokens is never useful for one function.
ANSWER_TOKENS = 1200
RETRY_AFTER_CAP = 20.0  # seconds we are willing to wait on a 429 before giving up
MAX_RETRIES_PER_RUN = 2  # across all requests of a run, so retries cannot storm


class Unavailable(Exception):
    """The endpoint cannot answer for the rest of this run; ``str`` is the user-facing note."""


class Skipped(Exception):
    """This one request got no usable answer (cut off, empty); later requests may still work."""


@dataclass
class Reply:
    text: str
    tokens: int
    finish: str  # stop | length | ...


def _estimate_tokens(chars: int) -> int:
    # Servers that do not report usage still have to be charged: ~4 characters a token.
    return max(1, chars // 4)


def _retry_after(headers) -> float | None:
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class Session:
    """Chat requests for one debug run: budget, retries and the first fatal error are shared."""

    def __init__(self, settings: LLMSettings, cancel: threading.Event | None = None):
        try:
            import openai
        except ImportError as exc:  # the editor installs it on first use; that may not have happened or failed
            raise Unavailable(f"the openai client is not installed ({exc}): run `pip install openai` in "
                              f"tracefix's environment, or let the VS Code extension install it; offline results only")

        self.settings = settings
        self.cancel = cancel or threading.Event()
        self.tokens = 0
        self.requests = 0
        self.retries_left = MAX_RETRIES_PER_RUN
        self.dead: str = ""  # set once the endpoint is known unusable for this run
        # Prompt tokens the server counted per token we estimated (never below 1): code and traces take more
        # tokens than 4 characters each, and an estimate that is too low would let the last request overrun
        # the budget by the difference.
        self.prompt_scale = 1.0
        # Local servers (llama.cpp, Ollama, vLLM) take any key; the client insists on one.
        key = os.environ.get(settings.api_key_env or "", "") or "no-key"
        self._secret = key if key != "no-key" else ""
        self._client = openai.OpenAI(base_url=settings.base_url, api_key=key,
                                     timeout=settings.timeout, max_retries=0)

    @property
    def remaining(self) -> int:
        return self.settings.max_tokens_per_run - self.tokens

    def _clean(self, message: str) -> str:
        """Never let the key reach a message, however the server echoes it."""
        one = " ".join(str(message).split())[:200]
        return one.replace(self._secret, "***") if self._secret else one

    def chat(self, system: str, user: str, temperature: float = 0.2, max_answer: int = ANSWER_TOKENS) -> Reply:
        if self.dead:
            raise Unavailable(self.dead)
        # Chat templates add a few tokens per message that the text itself does not show.
        estimate = _estimate_tokens(len(system) + len(user))
        prompt_tokens = int(estimate * self.prompt_scale) + 16
        answer_tokens = min(max_answer, self.remaining - prompt_tokens)
        if answer_tokens < 64:
            self.dead = f"LLM token budget of {self.settings.max_tokens_per_run} per run reached: stopped asking"
            raise Unavailable(self.dead)
        while True:
            try:
                return self._stream(system, user, temperature, answer_tokens, prompt_tokens, estimate)
            except _Retry as retry:
                if self.retries_left <= 0 or retry.delay > RETRY_AFTER_CAP:
                    self.dead = retry.message
                    raise Unavailable(self.dead) from None
                self.retries_left -= 1
                if self.cancel.wait(retry.delay):
                    raise Unavailable("cancelled") from None

    def _stream(self, system: str, user: str, temperature: float, answer_tokens: int, prompt_tokens: int,
                estimate: int = 0) -> Reply:
        import openai

        base = self.settings.base_url
        self.requests += 1
        started = time.monotonic()
        parts: list[str] = []
        finish = ""
        usage = None
        try:
            stream = self._client.chat.completions.create(
                model=self.settings.model, temperature=temperature, max_tokens=answer_tokens, stream=True,
                stream_options={"include_usage": True},
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])
            try:
                for chunk in stream:
                    if self.cancel.is_set():
                        raise Unavailable("cancelled")
                    if time.monotonic() - started > self.settings.timeout:
                        raise openai.APITimeoutError(request=stream.response.request)
                    if getattr(chunk, "usage", None):
                        usage = chunk.usage
                    for choice in chunk.choices or ():
                        if choice.delta and choice.delta.content:
                            parts.append(choice.delta.content)
                        if choice.finish_reason:
                            finish = choice.finish_reason
            finally:
                stream.close()
        except Unavailable:
            raise
        except openai.APITimeoutError:
            self.dead = f"LLM endpoint at {base} timed out after {self.settings.timeout:g}s: offline results only"
            raise Unavailable(self.dead) from None
        except openai.APIConnectionError:
            if parts:  # the connection dropped mid-answer: this answer is lost, the endpoint may be fine
                self._charge(usage, prompt_tokens, parts)
                raise Skipped("LLM answer was cut off (connection closed mid-stream)") from None
            self.dead = f"LLM endpoint unreachable at {base}: offline results only"
            raise Unavailable(self.dead) from None
        except openai.RateLimitError as e:
            delay = _retry_after(e.response.headers)
            raise _Retry(2.0 if delay is None else delay,
                         f"LLM endpoint at {base} is rate-limiting (429): offline results only") from None
        except openai.InternalServerError as e:
            raise _Retry(1.0, f"LLM endpoint at {base} failed ({e.status_code}): offline results only") from None
        except openai.AuthenticationError:
            self.dead = (f"LLM endpoint at {base} refused the API key from "
                         f"${self.settings.api_key_env} (401): offline results only")
            raise Unavailable(self.dead) from None
        except openai.NotFoundError:
            self.dead = f"LLM endpoint at {base} does not know model '{self.settings.model}' (404): offline results only"
            raise Unavailable(self.dead) from None
        except openai.APIStatusError as e:
            self.dead = f"LLM endpoint at {base} answered {e.status_code}: offline results only"
            raise Unavailable(self.dead) from None
        except Exception as e:  # malformed JSON / SSE, odd servers: never crash the debug run
            self.dead = self._clean(f"LLM endpoint at {base} sent an unreadable answer ({type(e).__name__}): "
                                    "offline results only")
            raise Unavailable(self.dead) from None
        tokens = self._charge(usage, prompt_tokens, parts)
        counted = getattr(usage, "prompt_tokens", None) if usage else None
        if isinstance(counted, int) and estimate >= 64:  # too short a prompt says little about the tokenizer
            self.prompt_scale = max(self.prompt_scale, (counted - 16) / estimate)
        text = "".join(parts)
        if not finish:
            raise Skipped("LLM answer was cut off (stream ended without a finish reason)")
        if not text.strip():
            raise Skipped("LLM returned an empty answer")
        return Reply(text=text, tokens=tokens, finish=finish)

    def _charge(self, usage, prompt_tokens: int, parts: list[str]) -> int:
        total = getattr(usage, "total_tokens", None) if usage else None
        if not isinstance(total, int) or total <= 0:
            total = prompt_tokens + _estimate_tokens(sum(len(p) for p in parts))
        self.tokens += total
        return total


class _Retry(Exception):
    def __init__(self, delay: float, message: str):
        super().__init__(message)
        self.delay = max(0.0, delay)
        self.message = message
