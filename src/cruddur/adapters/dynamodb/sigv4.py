"""AWS Signature Version 4 for the wire's one kind of request: a JSON POST to `/`.

botocore's `SigV4Auth` signs any request of any service: it builds an `AWSRequest`, splits and
normalises the URL, walks every header and derives the signing key again each time, a third of
a send's CPU (docs/benchmarks.md, "The figures behind design choices"). The wire's requests are
all alike (POST, path `/`, no query, four headers), so the canonical request is a fixed template
and the signing key is derived once a day (it depends on the secret, the date, the region and
the service only). Credentials still come from botocore's chain; the test signs the same request
with botocore and with this and compares the two headers.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit

from botocore.credentials import ReadOnlyCredentials

from cruddur.errors import Unavailable

ALGORITHM = "AWS4-HMAC-SHA256"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_host(url: str) -> str:
    """The Host header the HTTP clients send: the port only when it is not the scheme's own."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{parts.port}"
    return host


class SigV4Signer:
    def __init__(self, url: str, region: str, service: str = "dynamodb") -> None:
        self.host = canonical_host(url)
        self.region = region
        self.service = service
        self._keys: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def headers(
        self,
        credentials: ReadOnlyCredentials,
        body: bytes,
        fixed: dict[str, str],
        now: datetime | None = None,
    ) -> dict[str, str]:
        """`fixed` (Content-Type, X-Amz-Target) with X-Amz-Date, the session token if any,
        and Authorization added. Every one of them is signed, and Host."""
        if not credentials.access_key or not credentials.secret_key:
            raise Unavailable("the AWS credentials found have no key")
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        day = stamp[:8]
        headers = {**fixed, "X-Amz-Date": stamp}
        if credentials.token:
            headers["X-Amz-Security-Token"] = credentials.token
        signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
        signed["host"] = self.host
        names = sorted(signed)
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                *(f"{name}:{signed[name]}" for name in names),
                "",
                ";".join(names),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = self._signing_key(credentials.secret_key, day)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (
            f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        return headers

    def _signing_key(self, secret: str, day: str) -> bytes:
        with self._lock:
            key = self._keys.get((secret, day))
            if key is None:
                key = f"AWS4{secret}".encode()
                for part in (day, self.region, self.service, "aws4_request"):
                    key = hmac.new(key, part.encode(), hashlib.sha256).digest()
                # One entry per secret in use: a refreshed secret or a new day replaces the rest.
                self._keys = {(secret, day): key}
            return key
