"""DynamoDB's JSON protocol spoken directly: one signed POST per call, request and response in
DynamoDB's own JSON (attribute values such as `{"S": "..."}`, binaries in base64).

boto3 walks its service model on every call, turning keyword arguments into that JSON and the
answer back into Python values: a large share of the API's CPU per send and most of the
poller's (docs/benchmarks.md, "The figures behind design choices"). The stores already build
DynamoDB JSON, so this sends it as it is: the same requests through two transports, urllib3
here for blocking callers (the stream Lambda's runtime ships botocore and urllib3, not aiohttp)
and aiohttp on an event loop (`async_wire.py`). The control plane (making, describing, listing
and dropping tables: `schema.py`) rides the blocking one too.

Signing is SigV4 (`sigv4.py`, checked against botocore's signer) with botocore's credential
chain: one chain for the process. What botocore did around each call and a user of AWS would
miss, the wire keeps: the answer's CRC32 (`x-amz-crc32`) is checked, a clock found to be off is
corrected from the answer's Date header, and retries follow one policy with a retry quota
(`retry.py`). What is left after the retries is `Unavailable`, and the API answers 503 rather
than hang.
"""

from __future__ import annotations

import base64
import email.utils
import json
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import urllib3
from botocore.credentials import Credentials

from cruddur.adapters.dynamodb.retry import Attempts, Failure, RetryPolicy, failure_of
from cruddur.adapters.dynamodb.sigv4 import SigV4Signer
from cruddur.errors import Unavailable

DYNAMODB = "DynamoDB_20120810"
STREAMS = "DynamoDBStreams_20120810"
_HOSTS = {DYNAMODB: "dynamodb", STREAMS: "streams.dynamodb"}
CONTENT_TYPE = "application/x-amz-json-1.0"

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 20.0
POOL_SIZE = 64


class DynamoError(Exception):
    """DynamoDB refused a call: `code` is its error type (`ConditionalCheckFailedException`),
    `body` the whole answer (with `Item` or `CancellationReasons` when asked for)."""

    def __init__(
        self,
        code: str,
        message: str,
        body: dict[str, Any],
        status: int,
        skew: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.body = body
        self.status = status
        self.skew = skew  # the server's clock minus ours, when the answer said its time

    @property
    def failure(self) -> Failure:
        return failure_of(self.code, self.status, self.skew)


class CorruptAnswer(Exception):
    """The answer's body does not match its CRC32: damaged on the way; tried again."""


class NoAnswer(Exception):
    """The transport got no answer (refused, reset, timed out): `cause` says how."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


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
    """What both transports share: the signed request, the answer, the retry policy."""

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials | None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.credentials = credentials
        self.policy = policy or RetryPolicy()
        self.skew = 0.0  # seconds to add to our clock when signing, learnt from a refusal
        self._signer = SigV4Signer(endpoint.url, endpoint.region)

    def _signed(self, action: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        if self.credentials is None:
            raise Unavailable("no AWS credentials found (environment, profile, role)")
        body = json.dumps(payload, separators=(",", ":"), default=_bytes_as_base64).encode()
        fixed = {
            "Content-Type": CONTENT_TYPE,
            "X-Amz-Target": f"{self.endpoint.target}.{action}",
            # The CRC32 is of the body as sent: a compressed one would be checked after aiohttp
            # decompressed it, and fail.
            "Accept-Encoding": "identity",
        }
        # Frozen per call: a refreshing chain (a role's) hands over its current key set.
        frozen = self.credentials.get_frozen_credentials()
        now = datetime.now(UTC) + timedelta(seconds=self.skew)
        return body, self._signer.headers(frozen, body, fixed, now)

    @staticmethod
    def _answer(status: int, headers: Mapping[str, str], data: bytes) -> dict[str, Any]:
        crc = headers.get("x-amz-crc32")
        if crc is not None and crc.isdigit() and zlib.crc32(data) != int(crc):
            raise CorruptAnswer(f"CRC32 {zlib.crc32(data)} of the answer, not {crc}")
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
        raise DynamoError(code, message, body, status, _skew(headers.get("Date")))

    def _wait_after(self, attempts: Attempts, failed: Exception) -> float:
        """How long to wait before trying again; raises what the caller is to see when the
        policy gives up."""
        if isinstance(failed, DynamoError):
            failure = failed.failure
            if failure is Failure.CLOCK_SKEW and failed.skew is not None:
                self.skew = failed.skew
        elif isinstance(failed, CorruptAnswer):
            failure = Failure.TRANSIENT
        else:
            failure = Failure.NO_ANSWER
        wait = attempts.wait_after(failure)
        if wait is not None:
            return wait
        if isinstance(failed, DynamoError):
            raise failed
        cause = failed.cause if isinstance(failed, NoAnswer) else failed
        raise Unavailable(f"DynamoDB did not answer: {type(cause).__name__}") from cause


class SyncWire(WireProtocol):
    """Blocking calls over a urllib3 pool (thread-safe): the ops CLI and the stream Lambda."""

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials | None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(endpoint, credentials, policy)
        self._pool = urllib3.PoolManager(
            maxsize=POOL_SIZE,
            retries=False,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        )

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        attempts = self.policy.start()
        while True:
            body, headers = self._signed(action, payload)
            try:
                response = self._pool.request("POST", self.endpoint.url, body=body, headers=headers)
                answer = self._answer(response.status, response.headers, response.data)
            except (DynamoError, CorruptAnswer) as exc:
                failed: Exception = exc
            except urllib3.exceptions.HTTPError as exc:
                failed = NoAnswer(exc)
            else:
                attempts.succeeded()
                return answer
            time.sleep(self._wait_after(attempts, failed))

    def close(self) -> None:
        self._pool.clear()


def _skew(date: str | None) -> float | None:
    """The server's clock minus ours, from an answer's Date header."""
    if not date:
        return None
    try:
        server = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    if server.tzinfo is None:
        return None
    return (server - datetime.now(UTC)).total_seconds()


def _bytes_as_base64(value: object) -> str:
    # The stores build binaries (sealed text, unread tokens) as bytes; the wire carries base64.
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot send a {type(value).__name__} to DynamoDB")
