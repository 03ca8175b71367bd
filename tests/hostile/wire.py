"""A raw JSON-RPC client for ``tracefix serve`` over stdio: it can send anything, valid or not.

Used by the protocol fuzz test, the load test, the packaging test and bench/hostile.py. It frames bytes
itself (Content-Length headers), so malformed frames and wrong types reach the server
exactly as sent; a reader thread collects every message the server writes.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time


class Server:
    def __init__(self, env: dict | None = None, cwd: str | None = None, command: list[str] | None = None):
        # command: how to start the server; the packaging test starts the bundled launcher instead.
        self.proc = subprocess.Popen(command or [sys.executable, "-m", "tracefix", "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                     start_new_session=True)
        self.cond = threading.Condition()
        self.inbox: list[dict] = []  # every message received, in order
        self.responses: dict = {}  # id (as JSON text) → response
        self.bad_frames = 0
        self.ids = itertools.count(1)
        self.write_lock = threading.Lock()
        self.stderr_tail: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # -- reading ---------------------------------------------------------------------------------

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.cond.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:
                self.bad_frames += 1
                continue
            body = out.read(length)
            try:
                msg = json.loads(body)
            except ValueError:
                self.bad_frames += 1
                continue
            with self.cond:
                self.inbox.append(msg)
                if "id" in msg and ("result" in msg or "error" in msg):
                    self.responses[json.dumps(msg["id"])] = msg
                self.cond.notify_all()

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr_tail = (self.stderr_tail + [line])[-50:]

    # -- writing ---------------------------------------------------------------------------------

    def send_bytes(self, body: bytes, header: bytes | None = None) -> None:
        frame = (header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body
        with self.write_lock:
            self.proc.stdin.write(frame)
            self.proc.stdin.flush()

    def send(self, msg) -> None:
        self.send_bytes(json.dumps(msg).encode())

    def notify(self, method: str, params=None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {})})

    def request(self, method: str, params=None, msg_id=None) -> object:
        msg_id = next(self.ids) if msg_id is None else msg_id
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method,
                   **({"params": params} if params is not None else {})})
        return msg_id

    def wait_response(self, msg_id, timeout: float = 15.0) -> dict | None:
        key = json.dumps(msg_id)
        with self.cond:
            self.cond.wait_for(lambda: key in self.responses or self.proc.poll() is not None, timeout=timeout)
            return self.responses.pop(key, None)

    def call(self, method: str, params=None, timeout: float = 15.0) -> dict | None:
        return self.wait_response(self.request(method, params), timeout)

    def wait_for(self, predicate, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self.inbox), timeout=timeout)

    # -- session ---------------------------------------------------------------------------------

    def initialize(self, settings: dict | None = None) -> dict | None:
        answer = self.call("initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {
            "textDocument": {"publishDiagnostics": {"versionSupport": True}}},
            "initializationOptions": {"tracefix": settings or {}}}, timeout=60)
        self.notify("initialized", {})
        return answer

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_peak_kb(self) -> int:
        """VmHWM of the server process (its own peak resident memory)."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def close(self, timeout: float = 10.0) -> int | None:
        """shutdown + exit; kill if the server does not leave in time. Returns its exit code."""
        if self.alive:
            try:
                self.call("shutdown", None, timeout=timeout)
                self.notify("exit")
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def did_open(server: Server, uri: str, text: str, version: int = 1) -> None:
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python",
                                                            "version": version, "text": text}})


def hover(server: Server, uri: str, line: int = 0, character: int = 0, timeout: float = 15.0) -> dict | None:
    return server.call("textDocument/hover", {"textDocument": {"uri": uri},
                                              "position": {"line": line, "character": character}}, timeout)


def code_action(server: Server, uri: str, timeout: float = 15.0) -> dict | None:
    zero = {"line": 0, "character": 0}
    return server.call("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": {"start": zero, "end": zero},
                                                   "context": {"diagnostics": []}}, timeout)


def elapsed_ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


_RESULTS = re.compile(r"tracefix: results for version (\d+): (\d+) failing of (\d+), (\d+) suggestions \((\d+) shown\)")


def final_results(server: Server, version: int, timeout: float, nth: int = 1) -> dict | None:
    """The ``nth`` final "results for version N" log of the server: {"failing", "total", "suggestions", "shown"}.

    Versions are per document; tests give each document its own so that the log names it.
    None when it did not come within ``timeout`` s (or the server died)."""
    def found(inbox):
        hits = [m for m in inbox if m.get("method") == "window/logMessage"
                and (match := _RESULTS.match(m["params"].get("message", ""))) and int(match.group(1)) == version]
        return hits[nth - 1] if len(hits) >= nth else None

    if not server.wait_for(lambda inbox: found(inbox) is not None or not server.alive, timeout):
        return None
    with server.cond:
        hit = found(list(server.inbox))
    if hit is None:
        return None
    failing, total, suggestions, shown = (int(x) for x in _RESULTS.match(hit["params"]["message"]).groups()[1:])
    return {"failing": failing, "total": total, "suggestions": suggestions, "shown": shown}


def rss_kb(server: Server) -> int:
    """Current resident memory of the server process (VmRSS)."""
    try:
        with open(f"/proc/{server.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
