"""The wires over a real socket: what they send, what they retry, what they give up on. (The
awaited wire, the API's, is also tested against DynamoDB Local in test_async_store.py.)"""

from __future__ import annotations

import asyncio
import email.utils
import json
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.credentials import Credentials

from cruddur.adapters.dynamodb.async_wire import AsyncWire
from cruddur.adapters.dynamodb.retry import RETRY_COST, RetryPolicy, RetryQuota
from cruddur.adapters.dynamodb.wire import DYNAMODB, DynamoError, Endpoint, SyncWire
from cruddur.errors import Unavailable

Answer = tuple[int, dict[str, Any]] | tuple[int, dict[str, Any], dict[str, str]]


@contextmanager
def answering(answers: list[Answer]) -> Iterator[tuple[str, list[Any]]]:
    """A loopback server giving `answers` in turn (the last one from then on): a status, a
    body, and headers to send (a correct x-amz-crc32 unless they give one). Yields its URL and
    what it was sent (target, signed?, body, headers)."""
    seen: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
            seen.append((self.headers["X-Amz-Target"], signed, body, dict(self.headers)))
            status, answer, *more = answers[min(len(seen), len(answers)) - 1]
            data = json.dumps(answer).encode()
            headers = {"x-amz-crc32": str(zlib.crc32(data)), **(more[0] if more else {})}
            self.date = headers.pop("Date", None)  # instead of the Date send_response adds
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def date_time_string(self, timestamp: float | None = None) -> str:
            return getattr(self, "date", None) or super().date_time_string(timestamp)

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


def wire(url: str, policy: RetryPolicy | None = None) -> SyncWire:
    endpoint = Endpoint.of(DYNAMODB, "us-east-1", url)
    return SyncWire(endpoint, Credentials("local", "local"), policy)


def awaited(url: str) -> AsyncWire:
    return AsyncWire(Endpoint.of(DYNAMODB, "us-east-1", url), Credentials("local", "local"))


def call_awaited(url: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    async def once() -> dict[str, Any]:
        opened = awaited(url)
        try:
            return await opened.call(action, payload)
        finally:
            await opened.close()

    return asyncio.run(once())


def throttled() -> tuple[int, dict[str, Any]]:
    return 400, {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException"}


def test_binaries_go_as_base64_signed_and_throttling_is_retried():
    with answering([throttled(), throttled(), (200, {"ok": True})]) as (url, seen):
        answer = wire(url).call("PutItem", {"Item": {"message": {"B": b"\x00\xff"}}})
    assert answer == {"ok": True}
    assert len(seen) == 3
    target, signed, body, _ = seen[-1]
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


def test_throttling_that_lasts_ends_as_the_refusal_after_the_retry_time():
    with answering([throttled()]) as (url, seen), pytest.raises(DynamoError) as raised:
        wire(url, RetryPolicy(budget=0.3)).call("GetItem", {})
    assert raised.value.code == "ThrottlingException"
    assert 2 <= len(seen) < 40


def test_a_throttled_table_drains_the_retry_quota_and_is_then_tried_once_a_call():
    policy = RetryPolicy(RetryQuota(capacity=4 * RETRY_COST), jitter=lambda *_: 0.0)
    with answering([throttled()]) as (url, seen):
        throttling = wire(url, policy)
        for _ in range(3):
            with pytest.raises(DynamoError):
                throttling.call("GetItem", {})
    # 4 retries in all, then none: 1 + 4 tries for the first calls together, 1 for the last.
    assert len(seen) == 3 + 4
    assert policy.quota.available == 0


def test_a_success_gives_back_to_the_quota_what_its_retries_took():
    policy = RetryPolicy(RetryQuota(capacity=100), jitter=lambda *_: 0.0)
    policy.quota.available = 50
    with answering([throttled(), (200, {})]) as (url, _):
        wire(url, policy).call("GetItem", {})
    assert policy.quota.available == 50


@pytest.mark.parametrize("transport", ["blocking", "awaited"])
def test_an_answer_that_fails_its_crc32_is_tried_again(transport):
    corrupt = (200, {"Item": {"pk": {"S": "bitflip"}}}, {"x-amz-crc32": "12345"})
    with answering([corrupt, (200, {"Item": {"pk": {"S": "a"}}})]) as (url, seen):
        if transport == "blocking":
            answer = wire(url).call("GetItem", {})
        else:
            answer = call_awaited(url, "GetItem", {})
    assert answer == {"Item": {"pk": {"S": "a"}}}
    assert len(seen) == 2
    assert seen[0][3]["Accept-Encoding"] == "identity"  # a CRC32 of the body as sent


@pytest.mark.parametrize("transport", ["blocking", "awaited"])
def test_a_clock_minutes_off_is_corrected_from_the_answers_date_and_signed_again(transport):
    ahead = datetime.now(UTC) + timedelta(minutes=20)  # the server's clock: ours is behind
    skewed = (
        400,
        {"__type": "x#InvalidSignatureException", "message": "Signature expired"},
        {"Date": email.utils.format_datetime(ahead, usegmt=True)},
    )
    with answering([skewed, (200, {"ok": True})]) as (url, seen):
        if transport == "blocking":
            answer = wire(url).call("GetItem", {})
        else:
            answer = call_awaited(url, "GetItem", {})
    assert answer == {"ok": True}
    first, second = (
        datetime.strptime(s[3]["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) for s in seen
    )
    assert abs((second - ahead).total_seconds()) < 120  # signed at the server's time
    assert (second - first).total_seconds() > 15 * 60


def test_a_signature_refused_without_a_skew_is_not_tried_again():
    refused = (
        400,
        {"__type": "x#InvalidSignatureException", "message": "wrong key"},
        {"Date": email.utils.format_datetime(datetime.now(UTC), usegmt=True)},
    )
    with answering([refused]) as (url, seen), pytest.raises(DynamoError):
        wire(url).call("GetItem", {})
    assert len(seen) == 1


def test_nothing_listening_is_unavailable_and_no_credentials_fail_at_once():
    with answering([(200, {})]) as (url, _):
        pass  # closed: nothing listens there now
    with pytest.raises(Unavailable, match="did not answer"):
        wire(url, RetryPolicy(budget=0.3)).call("GetItem", {})
    keyless = SyncWire(Endpoint.of(DYNAMODB, "us-east-1", url), None)
    with pytest.raises(Unavailable, match="credentials"):
        keyless.call("GetItem", {})
