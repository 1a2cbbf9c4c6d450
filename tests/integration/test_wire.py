"""The blocking wire over a real socket: what it sends, what it retries, what it gives up on.
(The awaited wire, the API's, is tested in test_async_store.py.)"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.credentials import Credentials

from cruddur.adapters.dynamodb.wire import DYNAMODB, DynamoError, Endpoint, SyncWire
from cruddur.errors import Unavailable


@contextmanager
def answering(answers: list[tuple[int, dict[str, Any]]]) -> Iterator[tuple[str, list[Any]]]:
    """A loopback server giving `answers` in turn (the last one from then on); yields its URL
    and what it was sent (target, signed?, body)."""
    seen: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
            seen.append((self.headers["X-Amz-Target"], signed, body))
            status, answer = answers[min(len(seen), len(answers)) - 1]
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def wire(url: str) -> SyncWire:
    return SyncWire(Endpoint.of(DYNAMODB, "us-east-1", url), Credentials("local", "local"))


def throttled() -> tuple[int, dict[str, Any]]:
    return 400, {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"}


def test_binaries_go_as_base64_signed_and_throttling_is_retried():
    with answering([throttled(), throttled(), (200, {"ok": True})]) as (url, seen):
        answer = wire(url).call("PutItem", {"Item": {"message": {"B": b"\x00\xff"}}})
    assert answer == {"ok": True}
    assert len(seen) == 3
    target, signed, body = seen[-1]
    assert target == "DynamoDB_20120810.PutItem"
    assert signed
    assert body == {"Item": {"message": {"B": "AP8="}}}


def test_a_refusal_is_not_retried_and_keeps_its_answer():
    refusal = {"__type": "x#ConditionalCheckFailedException", "Item": {"pk": {"S": "a"}}}
    with answering([(400, refusal)]) as (url, seen), pytest.raises(DynamoError) as raised:
        wire(url).call("PutItem", {})
    assert len(seen) == 1
    assert raised.value.code == "ConditionalCheckFailedException"
    assert raised.value.body["Item"] == {"pk": {"S": "a"}}


def test_throttling_that_lasts_ends_as_the_refusal_after_the_retry_time(monkeypatch):
    monkeypatch.setattr("cruddur.adapters.dynamodb.wire.RETRY_SECONDS", 0.3)
    with answering([throttled()]) as (url, seen), pytest.raises(DynamoError) as raised:
        wire(url).call("GetItem", {})
    assert raised.value.code == "ThrottlingException"
    assert 2 <= len(seen) < 40


def test_nothing_listening_is_unavailable_and_no_credentials_fail_at_once(monkeypatch):
    monkeypatch.setattr("cruddur.adapters.dynamodb.wire.RETRY_SECONDS", 0.3)
    with answering([(200, {})]) as (url, _):
        pass  # closed: nothing listens there now
    with pytest.raises(Unavailable, match="did not answer"):
        wire(url).call("GetItem", {})
    keyless = SyncWire(Endpoint.of(DYNAMODB, "us-east-1", url), None)
    with pytest.raises(Unavailable, match="credentials"):
        keyless.call("GetItem", {})
