"""DynamoDB's JSON protocol spoken directly: one signed POST per call, request and response in
DynamoDB's own JSON (attribute values such as `{"S": "..."}`, binaries in base64).

boto3 walks its service model on every call, turning keyword arguments into that JSON and the
answer back into Python values. On the benchmark's machine that was about half of the API's CPU
per send and most of the poller's. The stores already build DynamoDB JSON, so this sends it as
it is: the same requests through two transports, urllib3 here for blocking callers (the stream
Lambda's runtime ships botocore and urllib3, not aiohttp) and aiohttp on an event loop
(`async_table.AsyncWire`). boto3 keeps the control plane (creating and describing tables).

Signing is SigV4 (`sigv4.py`, checked against botocore's signer) with botocore's credential
chain: one chain for the process.
Throttling, 5xx answers and lost connections are retried with jittered backoff for a few
seconds (a DynamoDB restart, a burst of throttling); what is left then is `Unavailable`, and the
API answers 503 rather than hang.
"""

from __future__ import annotations

import base64
import json
import random
import time
from dataclasses import dataclass
from typing import Any

import urllib3
from botocore.credentials import Credentials

from cruddur.adapters.dynamodb.sigv4 import SigV4Signer
from cruddur.errors import Unavailable

DYNAMODB = "DynamoDB_20120810"
STREAMS = "DynamoDBStreams_20120810"
_HOSTS = {DYNAMODB: "dynamodb", STREAMS: "streams.dynamodb"}
CONTENT_TYPE = "application/x-amz-json-1.0"

# Backoff is "full jitter" from 50 ms, doubling to at most 1 s a wait; no new try starts
# after RETRY_SECONDS.
RETRY_SECONDS = 5.0
BASE_DELAY = 0.05
MAX_DELAY = 1.0
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 20.0
POOL_SIZE = 64
RETRYABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",  # streams: too many GetRecords at once
        "InternalServerError",
        "ServiceUnavailable",
    }
)


class DynamoError(Exception):
    """DynamoDB refused a call: `code` is its error type (`ConditionalCheckFailedException`),
    `body` the whole answer (with `Item` or `CancellationReasons` when asked for)."""

    def __init__(self, code: str, message: str, body: dict[str, Any], status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.body = body
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.status >= 500 or self.code in RETRYABLE


@dataclass(frozen=True)
class Endpoint:
    target: str  # DYNAMODB or STREAMS: the X-Amz-Target prefix
    url: str
    region: str

    @classmethod
    def of(cls, target: str, region: str, endpoint_url: str | None) -> Endpoint:
        # DynamoDB Local serves both APIs at one address; AWS has one host per API.
        return cls(
            target, endpoint_url or f"https://{_HOSTS[target]}.{region}.amazonaws.com", region
        )


class WireProtocol:
    """What both transports share: the signed request, the answer, when to retry."""

    def __init__(self, endpoint: Endpoint, credentials: Credentials | None) -> None:
        self.endpoint = endpoint
        self.credentials = credentials
        self._signer = SigV4Signer(endpoint.url, endpoint.region)

    def _signed(self, action: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        if self.credentials is None:
            raise Unavailable("no AWS credentials found (environment, profile, role)")
        body = json.dumps(payload, separators=(",", ":"), default=_bytes_as_base64).encode()
        fixed = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": f"{self.endpoint.target}.{action}"}
        # Frozen per call: a refreshing chain (a role's) hands over its current key set.
        frozen = self.credentials.get_frozen_credentials()
        return body, self._signer.headers(frozen, body, fixed)

    @staticmethod
    def _answer(status: int, data: bytes) -> dict[str, Any]:
        try:
            body = json.loads(data) if data else {}
        except ValueError:
            body = {}
        if status == 200 and isinstance(body, dict):
            return body
        if not isinstance(body, dict):
            body = {}
        code = str(body.get("__type", "")).rpartition("#")[2] or f"HTTP {status}"
        message = str(body.get("message") or body.get("Message") or "")
        raise DynamoError(code, message, body, status)

    @staticmethod
    def _delay(attempt: int, started: float) -> float | None:
        """How long to wait before the next try; None when the retry time is used up."""
        wait = random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))  # noqa: S311 - jitter
        return None if time.monotonic() + wait - started > RETRY_SECONDS else wait


class SyncWire(WireProtocol):
    """Blocking calls over a urllib3 pool (thread-safe): the ops CLI and the stream Lambda."""

    def __init__(self, endpoint: Endpoint, credentials: Credentials | None) -> None:
        super().__init__(endpoint, credentials)
        self._pool = urllib3.PoolManager(
            maxsize=POOL_SIZE,
            retries=False,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        )

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        started, attempt = time.monotonic(), 0
        while True:
            body, headers = self._signed(action, payload)
            try:
                response = self._pool.request("POST", self.endpoint.url, body=body, headers=headers)
                return self._answer(response.status, response.data)
            except DynamoError as exc:
                if not exc.retryable or (wait := self._delay(attempt, started)) is None:
                    raise
            except urllib3.exceptions.HTTPError as exc:
                if (wait := self._delay(attempt, started)) is None:
                    raise Unavailable(f"DynamoDB did not answer: {type(exc).__name__}") from exc
            time.sleep(wait)
            attempt += 1

    def close(self) -> None:
        self._pool.clear()


def _bytes_as_base64(value: object) -> str:
    # The stores build binaries (sealed text, unread tokens) as bytes; the wire carries base64.
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot send a {type(value).__name__} to DynamoDB")
