"""The wire's SigV4 signer gives the very headers botocore's signer gives the same request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from cruddur.adapters.dynamodb.sigv4 import SigV4Signer, canonical_host
from cruddur.errors import Unavailable

BODY = b'{"TableName":"cruddur-messages","Key":{"pk":{"S":"GRP#x"},"sk":{"S":"a  b"}}}'
FIXED = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.GetItem",
}


def _botocore(url: str, region: str, credentials: ReadOnlyCredentials, body: bytes):
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(FIXED))
    SigV4Auth(credentials, "dynamodb", region).add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize(
    ("url", "region", "token"),
    [
        ("https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1", None),
        ("https://streams.dynamodb.us-east-1.amazonaws.com", "us-east-1", "FwoGZXIvYXdzE//token="),
        ("http://127.0.0.1:8000", "us-east-1", None),
        ("https://dynamodb.us-east-1.amazonaws.com:443", "us-east-1", None),
        ("http://localhost:80", "us-west-2", "t"),
    ],
)
@pytest.mark.parametrize("body", [BODY, b"", "ünïcode ✓".encode()])
def test_the_same_request_gets_botocores_signature(url, region, token, body):
    credentials = ReadOnlyCredentials(
        "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token
    )
    theirs = _botocore(url, region, credentials, body)
    when = datetime.strptime(theirs["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    ours = SigV4Signer(url, region).headers(credentials, body, FIXED, now=when)
    assert ours == theirs


def test_the_signing_key_follows_the_day_and_a_refreshed_secret():
    signer = SigV4Signer("http://127.0.0.1:8000", "us-east-1")
    one = ReadOnlyCredentials("AKID", "secret one", None)
    two = ReadOnlyCredentials("AKID", "secret two", None)
    monday = datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC)
    tuesday = datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC)
    signatures = {
        signer.headers(c, BODY, FIXED, now=t)["Authorization"]
        for c in (one, two)
        for t in (monday, tuesday)
    }
    assert len(signatures) == 4
    again = signer.headers(one, BODY, FIXED, now=monday)["Authorization"]
    assert (
        again
        == SigV4Signer("http://127.0.0.1:8000", "us-east-1").headers(one, BODY, FIXED, now=monday)[
            "Authorization"
        ]
    )


def test_credentials_without_a_key_are_refused():
    with pytest.raises(Unavailable):
        SigV4Signer("http://127.0.0.1:8000", "us-east-1").headers(
            ReadOnlyCredentials(None, None, None), BODY, FIXED
        )


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("https://dynamodb.us-east-1.amazonaws.com", "dynamodb.us-east-1.amazonaws.com"),
        ("https://dynamodb.us-east-1.amazonaws.com:443", "dynamodb.us-east-1.amazonaws.com"),
        ("http://localhost:80", "localhost"),
        ("https://example.org:8443", "example.org:8443"),
    ],
)
def test_the_host_is_what_the_http_clients_send(url, host):
    assert canonical_host(url) == host
