"""Users and conversations the measurements run on, made through the real API and services."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import urllib3

from cruddur.domain.model import UserRef


@dataclass(frozen=True)
class Account:
    user: UserRef
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(http: httpx.Client, prefix: str = "bench") -> Account:
    handle = f"{prefix}_{uuid.uuid4().hex[:12]}"
    body = {
        "handle": handle,
        "display_name": handle,
        "email": f"{handle}@example.org",
        "password": "benchmark password",
    }
    response = http.post("/api/auth/signup", json=body)
    response.raise_for_status()
    data = response.json()
    user = UserRef(data["user"]["uuid"], data["user"]["handle"], data["user"]["display_name"])
    return Account(user, data["access_token"])


def send(
    http: httpx.Client | KeepAliveClient, account: Account, group: str, text: str
) -> dict[str, str]:
    body = {"message": text, "message_group_uuid": group}
    if isinstance(http, KeepAliveClient):  # the load generator's lighter client
        sent: dict[str, str] = http.post("/api/messages", body, account.auth)
        return sent
    response = http.post("/api/messages", json=body, headers=account.auth)
    response.raise_for_status()
    result: dict[str, str] = response.json()
    return result


def start(http: httpx.Client, account: Account, handle: str, text: str) -> str:
    response = http.post(
        "/api/messages", json={"message": text, "handle": handle}, headers=account.auth
    )
    response.raise_for_status()
    return str(response.json()["message_group_uuid"])


def stranger() -> UserRef:
    """Someone to hold a conversation with, without an account (inbox rows need only a name)."""
    handle = f"peer_{uuid.uuid4().hex[:12]}"
    return UserRef(str(uuid.uuid4()), handle, handle)


class KeepAliveClient:
    """HTTP for the latency figures and the load generator, on urllib3 — the library under
    boto3's raw calls — so the client's own cost is the same on both sides of the HTTP/raw
    ratio, and small beside the system it shares the machine with."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._pool = urllib3.HTTPConnectionPool(
            parts.hostname or "127.0.0.1", parts.port, maxsize=4, timeout=30.0
        )

    def get(self, path: str, headers: dict[str, str]) -> Any:
        return self._check(self._pool.request("GET", path, headers=headers))

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        return self._check(self._pool.request("POST", path, json=body, headers=headers))

    @staticmethod
    def _check(response: urllib3.BaseHTTPResponse) -> Any:
        if response.status >= 300:
            raise RuntimeError(f"HTTP {response.status}: {response.data[:200]!r}")
        return json.loads(response.data)

    def close(self) -> None:
        self._pool.close()
