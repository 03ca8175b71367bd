"""The LSP load scenario (issue 8): many documents, bursts of edits, concurrent runs, no stale results.

Each document holds ``K = <n>`` and a test that fails when K is odd. Edits rewrite K in
bursts; runOn "type" makes every burst start runs that the next burst cancels. After
each burst a hover acts as a barrier: once it is answered the server has processed the
burst, so a publishDiagnostics for an older version arriving after it is stale. At the
end every document must settle on diagnostics for its final version whose verdict
matches its final K. Shared by tests/test_lsp_load.py (reduced) and bench/hostile.py (full).
"""
from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cases
import wire

DOC = "K = {k}\n\n\ndef parity(x):\n    return x % 2\n\n\ndef test_k_is_even():\n    assert parity(K) == 0\n"


@dataclass
class LoadResult:
    documents: int
    edits: int
    requests: int = 0
    unanswered: int = 0
    latencies_ms: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    wrong_final: list = field(default_factory=list)
    peak_rss_kb: int = 0
    crashed: bool = False
    seconds: float = 0.0

    @property
    def p99_ms(self) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def run(documents: int = 50, edits: int = 2000, burst: int = 25, settle_s: float = 300.0, seed: int = 8) -> LoadResult:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="tracefix-load-"))
    result = LoadResult(documents, edits)
    t0 = time.perf_counter()
    srv = wire.Server(env={**cases.secret_env(), "TRACEFIX_DATA_DIR": str(folder / "data")}, cwd=str(folder))
    try:
        srv.initialize({"runOn": "type", "debounceMs": 150, "timeoutSeconds": 10, "repair": False})
        uris, versions, ks = [], {}, {}
        for i in range(documents):
            path = folder / f"doc{i:03d}.py"
            path.write_text(DOC.format(k=0))
            uri = path.as_uri()
            uris.append(uri)
            versions[uri], ks[uri] = 1, 0
            wire.did_open(srv, uri, path.read_text(), 1)
        acked: dict[str, int] = {}  # uri → version the server has certainly processed
        checked = 0

        def timed(call):
            start = time.perf_counter()
            answer = call()
            result.requests += 1
            if answer is None:
                result.unanswered += 1
            else:
                result.latencies_ms.append(wire.elapsed_ms(start))
            return answer

        def check_stale(upto: int) -> None:
            nonlocal checked
            for msg in srv.inbox[checked:upto]:
                if msg.get("method") == "textDocument/publishDiagnostics":
                    p = msg["params"]
                    if p.get("version") is not None and p["version"] < acked.get(p["uri"], 0):
                        result.stale.append((p["uri"].rsplit("/", 1)[-1], p["version"], acked[p["uri"]]))
            checked = upto

        done = 0
        while done < edits and srv.alive:
            targets = rng.sample(uris, k=min(len(uris), max(1, documents // 5)))
            for _ in range(min(burst, edits - done)):
                uri = rng.choice(targets)
                versions[uri] += 1
                old = len(f"K = {ks[uri]}")
                ks[uri] = rng.randrange(1000)
                srv.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": versions[uri]},
                    "contentChanges": [{"range": {"start": {"line": 0, "character": 0},
                                                  "end": {"line": 0, "character": old}},
                                        "text": f"K = {ks[uri]}"}]})
                done += 1
            # Barrier: answered ⇒ the burst was processed; anything older published later is stale.
            before = len(srv.inbox)
            timed(lambda: wire.hover(srv, rng.choice(targets), line=8, character=12))
            timed(lambda: wire.code_action(srv, rng.choice(uris)))
            check_stale(before)
            for uri in targets:
                acked[uri] = versions[uri]
            result.peak_rss_kb = max(result.peak_rss_kb, srv.rss_peak_kb())
        # Settle: every document ends with diagnostics for its final version and the right verdict.
        deadline = time.monotonic() + settle_s

        def final_of(uri: str):
            for msg in reversed(srv.inbox):
                if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri:
                    return msg["params"]
            return None

        for uri in uris:
            # Documents never edited still have their version-1 run; edited ones need the newest version.
            srv.wait_for(lambda inbox, uri=uri: (final_of(uri) or {}).get("version") == versions[uri],
                         timeout=max(0.0, deadline - time.monotonic()))
        check_stale(len(srv.inbox))
        for uri in uris:
            final = final_of(uri)
            name = uri.rsplit("/", 1)[-1]
            if final is None or final.get("version") != versions[uri]:
                result.wrong_final.append((name, "no result for the final version",
                                           None if final is None else final.get("version"), versions[uri]))
            elif bool(final["diagnostics"]) != bool(ks[uri] % 2):
                result.wrong_final.append((name, "verdict does not match the final text", ks[uri]))
        timed(lambda: wire.hover(srv, uris[0]))
        result.peak_rss_kb = max(result.peak_rss_kb, srv.rss_peak_kb())
        result.crashed = not srv.alive
    finally:
        srv.close()
        result.seconds = time.perf_counter() - t0
    return result
