"""Protocol robustness (issue 8): malformed and out-of-order LSP messages against a real ``tracefix serve``.

Hypothesis writes the messages; a raw JSON-RPC client (tests/hostile/wire.py) sends them
byte for byte: unknown URIs, changes before open, out-of-bounds ranges, wrong types,
broken JSON, huge payloads. After every message the server must still be alive and
answer a hover, every request must get exactly one response (a result, or an error
object with an integer code and a string message, as JSON-RPC 2.0 says), and the
server must never ask the client to apply an edit.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
import cases  # noqa: E402
import wire  # noqa: E402

pytestmark = pytest.mark.slow
SETTINGS = {"runOn": "manual", "timeoutSeconds": 3}  # protocol handling, not test runs, is under test here
ANSWER_S = 20.0
RUN_ANSWER_S = 90.0  # a request that runs the known document's tests; a bound for a dead server, not a race

FOLDER = Path(tempfile.mkdtemp(prefix="tracefix-fuzz-"))
OPEN_DOC = FOLDER / "known.py"
OPEN_DOC.write_text("def f(x):\n    return x + 1\n\n\ndef test_f():\n    assert f(1) == 3\n")
KNOWN_URI = OPEN_DOC.as_uri()


@pytest.fixture(scope="module")
def server():
    srv = wire.Server(env={**cases.secret_env(), "TRACEFIX_DATA_DIR": str(FOLDER / "data")}, cwd=str(FOLDER))
    assert srv.initialize(SETTINGS) is not None, "initialize was not answered"
    wire.did_open(srv, KNOWN_URI, OPEN_DOC.read_text())
    yield srv
    code = srv.close()
    assert code == 0, f"server did not exit cleanly after shutdown/exit: {code}"


def assert_alive(srv: wire.Server) -> None:
    assert srv.alive, f"server died: {b''.join(srv.stderr_tail)[-800:]!r}"
    answer = wire.hover(srv, KNOWN_URI, timeout=ANSWER_S)
    assert answer is not None, "hover on a known document was not answered: the server is stuck"
    assert "result" in answer or "error" in answer


def assert_jsonrpc_response(answer: dict | None, msg_id) -> None:
    assert answer is not None, f"request {msg_id!r} got no response"
    assert answer.get("jsonrpc") == "2.0"
    assert ("result" in answer) != ("error" in answer), answer
    if "error" in answer:
        err = answer["error"]
        assert isinstance(err.get("code"), int) and isinstance(err.get("message"), str), err
        assert "Traceback" not in err["message"], err["message"][:300]


# -- strategies ----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**63) | st.floats(allow_nan=False,
                                                                                              allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)
uris = st.sampled_from([KNOWN_URI, (FOLDER / "never_opened.py").as_uri(), "file:///nonexistent/x.py",
                        "untitled:Untitled-1", "not a uri", "", "file://" + "/a" * 2000, "file:///%ZZ%00.py"])
numbers = st.integers(min_value=-5, max_value=10) | st.sampled_from([2**31 - 1, 2**31, 2**53, -2**31])
positions = st.fixed_dictionaries({"line": numbers, "character": numbers})
ranges = st.fixed_dictionaries({"start": positions, "end": positions})
documents = st.fixed_dictionaries({"uri": uris})
REQUESTS = ["textDocument/hover", "textDocument/codeAction", "textDocument/codeLens", "textDocument/inlayHint",
            "workspace/executeCommand", "tracefix/trace", "textDocument/definition", "no/suchMethod",
            "textDocument/completion", "workspace/symbol", "tracefix/test/release"]
NOTIFICATIONS = ["textDocument/didChange", "textDocument/didOpen", "textDocument/didSave", "textDocument/didClose",
                 "workspace/didChangeConfiguration", "$/cancelRequest", "$/setTrace", "no/suchNotification"]
COMMANDS = ["tracefix.debugWithTrace", "tracefix.showAllSuggestions", "tracefix.acceptSuggestion",
            "tracefix.rejectSuggestion", "tracefix.nope"]

well_typed_params = st.one_of(
    st.fixed_dictionaries({"textDocument": documents, "position": positions}),
    st.fixed_dictionaries({"textDocument": documents, "range": ranges,
                           "context": st.fixed_dictionaries({"diagnostics": st.just([])})}),
    st.fixed_dictionaries({"textDocument": documents, "range": ranges}),
    st.fixed_dictionaries({"command": st.sampled_from(COMMANDS), "arguments": st.lists(json_values | uris, max_size=3)}),
    st.fixed_dictionaries({"uri": uris, "testId": json_values}),
)
change_params = st.fixed_dictionaries({
    "textDocument": st.fixed_dictionaries({"uri": uris, "version": numbers | json_values}),
    "contentChanges": st.lists(st.one_of(
        st.fixed_dictionaries({"range": ranges, "text": st.text(max_size=40)}),
        st.fixed_dictionaries({"text": st.text(max_size=40)}),
        json_values), max_size=3),
})
params = st.one_of(well_typed_params, change_params, json_values)


@st.composite
def messages(draw):
    """(message or raw bytes, request id or None if no response is due)."""
    kind = draw(st.sampled_from(["request", "notification", "change", "wrong_types", "raw"]))
    if kind == "request":
        msg_id = draw(st.integers(min_value=10**6, max_value=10**9) | st.text(min_size=1, max_size=12))
        return {"jsonrpc": "2.0", "id": msg_id, "method": draw(st.sampled_from(REQUESTS)),
                "params": draw(params)}, msg_id
    if kind == "notification":
        return {"jsonrpc": "2.0", "method": draw(st.sampled_from(NOTIFICATIONS)), "params": draw(params)}, None
    if kind == "change":  # the classic out-of-order cases: a change to a document that is not open, bad ranges
        return {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": draw(change_params)}, None
    if kind == "wrong_types":
        return {"jsonrpc": draw(st.sampled_from(["2.0", "1.0", 2, None])),
                "method": draw(st.sampled_from(REQUESTS + NOTIFICATIONS) | json_values),
                "params": draw(json_values)}, None
    return draw(st.sampled_from([b"{not json", b"[]", b"null", b"\xff\xfe\x00", b'{"jsonrpc": "2.0", "id": 1',
                                 b"{}", b'{"jsonrpc":"2.0","id":{},"method":"textDocument/hover"}'])), None


UNANSWERED: list = []  # requests the server left without a response: there must be none


# No shrinking: each example costs a round trip to a real server, and the message is printed anyway.
@settings(max_examples=60, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(message=messages())
def test_fuzzed_message_never_kills_the_server(server, message):
    msg, msg_id = message
    if isinstance(msg, bytes):
        server.send_bytes(msg)
    else:
        server.send(msg)
    if msg_id is not None:
        answer = server.wait_response(msg_id, RUN_ANSWER_S)
        if answer is None:
            UNANSWERED.append(msg)
        else:
            assert_jsonrpc_response(answer, msg_id)
    assert UNANSWERED == [], f"requests without a response: {UNANSWERED}"
    assert_alive(server)


def test_request_with_invalid_params_gets_invalid_params_error(server):
    for params in ({"textDocument": {"uri": KNOWN_URI}},  # no position
                   {"textDocument": {"uri": KNOWN_URI}, "position": {"line": -1, "character": 0}},
                   [1, 2]):
        answer = server.call("textDocument/hover", params, timeout=5)
        assert_jsonrpc_response(answer, "hover with bad params")
        assert answer["error"]["code"] == -32602


def test_unknown_method_request_gets_method_not_found(server):
    answer = server.call("no/suchMethod", {}, timeout=ANSWER_S)
    assert_jsonrpc_response(answer, "no/suchMethod")
    assert answer["error"]["code"] == -32601


def test_broken_json_is_answered_with_a_parse_error(server):
    """JSON-RPC 2.0: an invalid JSON body gets a -32700 error with id null; the server goes on."""
    before = len(server.inbox)
    server.send_bytes(b'{"jsonrpc": "2.0", "id": 7, "method": ')
    got = server.wait_for(lambda inbox: any(m.get("error", {}).get("code") == -32700 for m in inbox[before:]), 10)
    assert_alive(server)
    assert got, "no -32700 Parse error for an invalid JSON body"


def test_huge_payloads_are_survived(server):
    """A 5 MB document, then a 5 MB change to a document that was never opened, then a 1 MB method name."""
    uri = (FOLDER / "huge.py").as_uri()
    wire.did_open(server, uri, "x = 1\n" * 900_000)
    server.notify("textDocument/didChange", {"textDocument": {"uri": (FOLDER / "ghost.py").as_uri(), "version": 2},
                                             "contentChanges": [{"text": "y = 2\n" * 900_000}]})
    answer = server.call("a" * 1_000_000, {}, timeout=ANSWER_S)
    assert_jsonrpc_response(answer, "huge method")
    assert_alive(server)
    assert wire.hover(server, uri, line=899_999, character=3, timeout=ANSWER_S) is not None
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert_alive(server)


def test_change_before_open_then_open_uses_the_opened_text(server):
    """An edit to a document the server never saw must not create it or poison a later open."""
    path = FOLDER / "late.py"
    path.write_text("def g():\n    return 2\n")
    uri = path.as_uri()
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 5},
                                             "contentChanges": [{"range": {"start": {"line": 40, "character": 0},
                                                                           "end": {"line": 41, "character": 0}},
                                                                 "text": "boom"}]})
    wire.did_open(server, uri, path.read_text(), version=6)
    answer = server.call("workspace/executeCommand", {"command": "tracefix.debugWithTrace", "arguments": [uri]},
                         timeout=90)
    assert_jsonrpc_response(answer, "debugWithTrace")
    assert "result" in answer, answer
    assert answer["result"]["file"].endswith("late.py")
    assert "boom" not in json.dumps(answer["result"])
    assert path.read_text() == "def g():\n    return 2\n"


def test_nothing_the_server_sent_carries_a_secret_or_an_edit_request(server):
    sent = json.dumps(server.inbox)
    assert cases.leaked(sent) == []
    assert not [m for m in server.inbox if m.get("method") == "workspace/applyEdit"]
    assert server.bad_frames == 0
