"""A real HTTP server on loopback that speaks the OpenAI chat-completions API from a script.

Tests drive the real ``openai`` client against it. Each request consumes the next step
of the script (or asks ``responder(request_json)`` once the script is used up). A step is
a dict:

  {"content": "..."}                        a normal answer (streamed if the client asked)
  {"content": "...", "delay": 3}            the same, after sleeping (slow endpoint)
  {"status": 429, "headers": {...}}         an HTTP error with an OpenAI-style error body
  {"malformed": True}                       200 with a body that is not JSON / not SSE JSON
  {"truncate": True, "content": "..."}      half the answer, then the connection is cut
  {"usage": False, "content": "..."}        no usage block (servers that do not count)
  {"prompt_tokens": 900, "content": "..."}  usage counts the prompt as 900 tokens (a tokenizer unlike ours)

Every request is recorded (path, headers, JSON body) for assertions.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

Step = dict[str, Any]


def unused_port() -> int:
    """A loopback port nothing listens on (for "endpoint down")."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _count(text: str) -> int:
    return max(1, len(text) // 4)


def _send_json(h: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict) -> None:
    h.send_response(status)
    for k, v in headers.items():
        h.send_header(k, str(v))
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(payload)))
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(payload)


class FakeOpenAI:
    def __init__(self, script: list[Step | Callable[[dict], Step]] | None = None,
                 responder: Callable[[dict], Step] | None = None):
        self.script = list(script or [])
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                with fake.lock:
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
                    step = fake.script.pop(0) if fake.script else None
                if callable(step):
                    step = step(body)
                if step is None:
                    step = fake.responder(body) if fake.responder else {"status": 500, "message": "script exhausted"}
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    step = {"status": 404, "message": f"no route {self.path}"}
                fake._serve(self, body, step)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def user_prompts(self) -> list[str]:
        return [m["content"] for r in self.requests for m in r["json"].get("messages", []) if m["role"] == "user"]

    # --- responses -------------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler, body: dict, step: Step) -> None:
        if step.get("delay"):
            time.sleep(step["delay"])
        if "status" in step:
            _send_json(h, step["status"], json.dumps({"error": {
                "message": step.get("message", "scripted error"), "type": "scripted", "code": step["status"]}}).encode(),
                step.get("headers") or {})
            return
        content = step.get("content", "")
        finish = step.get("finish", "stop")
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        if limit and _count(content) > limit:  # a real server stops at max_tokens
            content, finish = content[:limit * 4], "length"
        model = body.get("model", "fake")
        prompt_tokens = step.get("prompt_tokens") or sum(_count(m.get("content", "")) for m in body.get("messages", []))
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": _count(content),
                 "total_tokens": prompt_tokens + _count(content)}
        if not body.get("stream"):
            payload = b"{not json" if step.get("malformed") else json.dumps({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": finish}],
                **({"usage": usage} if step.get("usage", True) else {})}).encode()
            _send_json(h, 200, payload, {})
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Connection", "close")
        h.end_headers()

        def send(data: str) -> None:
            raw = f"data: {data}\n\n".encode()
            h.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw))
            h.wfile.flush()

        def chunk(delta: dict, finish: str | None = None, with_usage: bool = False) -> str:
            return json.dumps({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                               "model": model,
                               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                               **({"usage": usage} if with_usage else {})})

        if step.get("malformed"):
            send("{this is not json")
            h.wfile.write(b"0\r\n\r\n")
            return
        pieces = [content[i:i + 16] for i in range(0, len(content), 16)] or [""]
        if step.get("truncate"):
            send(chunk({"role": "assistant", "content": pieces[0]}))
            h.wfile.flush()
            # Cut the connection in the middle of the body: no finish reason, no [DONE], no final chunk.
            h.connection.shutdown(socket.SHUT_RDWR)
            h.close_connection = True
            return
        send(chunk({"role": "assistant", "content": ""}))
        for piece in pieces:
            send(chunk({"content": piece}))
        send(chunk({}, finish=finish))
        if step.get("usage", True) and (body.get("stream_options") or {}).get("include_usage"):
            send(json.dumps({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                             "model": model, "choices": [], "usage": usage}))
        send("[DONE]")
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()
