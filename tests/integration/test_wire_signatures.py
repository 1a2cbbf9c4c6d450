"""The hand-written SigV4 signer against a server that checks signatures. DynamoDB Local checks
none, and tests/unit/test_sigv4.py only compares the signer with botocore's; here moto_server
runs with IAM authentication on, and checks each request against the secret of an access key it
issued. For both wires: the right secret is accepted, a wrong secret or a key it never issued is
refused, and a request signed after the wire corrected its clock (from a server an hour ahead)
still verifies. Loopback only."""

from __future__ import annotations

import email.utils
import http.client
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.credentials import Credentials

from cruddur.adapters.dynamodb.async_wire import AsyncWire
from cruddur.adapters.dynamodb.wire import DYNAMODB, DynamoError, Endpoint, SyncWire, WireProtocol
from tests.conftest import moto_server
from tests.own_loop import run

REGION = "us-east-1"
TABLE = "signed"
Call = Callable[[str, dict[str, Any]], dict[str, Any]]
# moto checks a request from its Nth action on; the first three make the user who may call
# DynamoDB and its access key (with no key yet, nothing could be signed for them).
SETUP_ACTIONS = 3
ALLOW_DYNAMODB = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
    }
)
HOUR = 3600.0


@pytest.fixture(scope="module")
def verifying() -> Iterator[tuple[str, Credentials]]:
    """A moto_server that verifies every signature from here on, and the access key it issued."""
    with moto_server(INITIAL_NO_AUTH_ACTION_COUNT=str(SETUP_ACTIONS)) as url:
        iam = boto3.client(
            "iam",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="wire")
        iam.put_user_policy(UserName="wire", PolicyName="dynamodb", PolicyDocument=ALLOW_DYNAMODB)
        key = iam.create_access_key(UserName="wire")["AccessKey"]
        # The table through botocore's signer: a fault of ours fails the tests, not the setup.
        boto3.client(
            "dynamodb",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        ).create_table(**_table())
        yield url, Credentials(key["AccessKeyId"], key["SecretAccessKey"])


@pytest.fixture(params=["blocking", "awaited"])
def transport(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@contextmanager
def wire_of(
    transport: str, url: str, credentials: Credentials
) -> Iterator[tuple[WireProtocol, Call]]:
    """One wire of the kind, and its `call` as a blocking function (the awaited one runs on the
    tests' loop, where it opens and closes its session)."""
    endpoint = Endpoint.of(DYNAMODB, REGION, url)
    if transport == "blocking":
        blocking = SyncWire(endpoint, credentials)
        try:
            yield blocking, blocking.call
        finally:
            blocking.close()
        return
    awaited = AsyncWire(endpoint, credentials)
    try:
        yield awaited, lambda action, payload: run(awaited.call(action, payload))
    finally:
        run(awaited.close())


def _table() -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def _put(pk: str) -> dict[str, Any]:
    # A binary and a non-ASCII string: the body signed is the body sent, byte for byte.
    return {"TableName": TABLE, "Item": {"pk": {"S": pk}, "b": {"B": b"\x00\xff"}, "t": {"S": "é"}}}


def _get(pk: str) -> dict[str, Any]:
    return {"TableName": TABLE, "Key": {"pk": {"S": pk}}, "ConsistentRead": True}


def test_a_request_signed_with_the_right_secret_is_accepted(verifying, transport):
    url, credentials = verifying
    with wire_of(transport, url, credentials) as (_, call):
        assert TABLE in call("ListTables", {})["TableNames"]
        call("PutItem", _put(f"right-{transport}"))
        item = call("GetItem", _get(f"right-{transport}"))["Item"]
    assert item == {"pk": {"S": f"right-{transport}"}, "b": {"B": "AP8="}, "t": {"S": "é"}}


def test_a_wrong_secret_or_a_key_it_never_issued_is_refused_and_writes_nothing(
    verifying, transport
):
    url, credentials = verifying
    wrong_secret = Credentials(credentials.access_key, credentials.secret_key[:-1] + "x")
    unknown_key = Credentials("AKIA" + "Z" * 16, credentials.secret_key)
    for refused in (wrong_secret, unknown_key):
        with wire_of(transport, url, refused) as (_, call), pytest.raises(DynamoError) as caught:
            call("PutItem", _put(f"wrong-{transport}"))
        assert caught.value.status == 403
    with wire_of(transport, url, credentials) as (_, call):
        assert "Item" not in call("GetItem", _get(f"wrong-{transport}"))


def test_a_request_signed_after_a_clock_correction_still_verifies(verifying, transport):
    url, credentials = verifying
    with (
        clock_ahead(url, HOUR) as (front, dates),
        wire_of(transport, front, credentials) as (wire, call),
    ):
        # Refused once for its time (the front's clock is an hour ahead), signed again at the
        # front's time: that request passes the front and its signature verifies at moto.
        call("PutItem", _put(f"skewed-{transport}"))
        assert abs(wire.skew - HOUR) < 60
        first, second = (_signed_at(date) for date in dates)
        assert (second - first).total_seconds() > HOUR - 60
        # From then on one request a call, still verified: a wrong secret signed at the
        # corrected time is refused by moto (not by the front's clock).
        assert call("GetItem", _get(f"skewed-{transport}"))["Item"]["pk"] == {
            "S": f"skewed-{transport}"
        }
        assert len(dates) == 3
    wrong = Credentials(credentials.access_key, "not-the-secret")
    with clock_ahead(url, HOUR) as (front, dates), wire_of(transport, front, wrong) as (wire, call):
        wire.skew = HOUR  # as corrected: the front lets it through to moto
        with pytest.raises(DynamoError) as caught:
            call("GetItem", _get(f"skewed-{transport}"))
    assert caught.value.status == 403
    assert len(dates) == 1  # a refused signature at the right time is not tried again


def _signed_at(date: str) -> datetime:
    return datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


@contextmanager
def clock_ahead(upstream: str, seconds: float) -> Iterator[tuple[str, list[str]]]:
    """A loopback front of `upstream` whose clock is `seconds` ahead and that checks a request's
    time as DynamoDB does: signed more than five minutes from its clock, it is refused with the
    front's Date (what the wire learns the skew from); otherwise it goes on to `upstream` as it
    came, Host and all, whose answer comes back. Yields the front's URL and the X-Amz-Date of
    every request it was sent."""
    dates: list[str] = []
    target = urlsplit(upstream)

    class Front(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            dates.append(self.headers["X-Amz-Date"])
            late = _signed_at(self.headers["X-Amz-Date"]) - _now(seconds)
            headers: list[tuple[str, str]] = []
            if abs(late.total_seconds()) > 300:
                expired = {"__type": "x#InvalidSignatureException", "message": "Signature expired"}
                status, data = 400, json.dumps(expired).encode()
            else:
                status, headers, data = _forward(target.netloc, dict(self.headers), body)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def date_time_string(self, timestamp: float | None = None) -> str:
            return email.utils.format_datetime(_now(seconds), usegmt=True)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Front)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", dates
    finally:
        server.shutdown()
        server.server_close()


def _now(ahead: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=ahead)


def _forward(
    netloc: str, headers: dict[str, str], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The request to `netloc` with the headers it was signed with (its Host is the front's)."""
    connection = http.client.HTTPConnection(netloc, timeout=10)
    try:
        connection.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        data = answer.read()
    finally:
        connection.close()
    # The front writes its own Date, Server and length; the rest (x-amz-crc32…) passes.
    mine = {"date", "server", "content-length", "transfer-encoding", "connection"}
    return answer.status, [(n, v) for n, v in answer.getheaders() if n.lower() not in mine], data
