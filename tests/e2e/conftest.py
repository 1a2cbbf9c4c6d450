"""The app over real HTTP: uvicorn on a loopback port, DynamoDB Local, SQLite users."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import SecretStr

from cruddur import bootstrap
from cruddur.adapters.crypto.envelope import KEY_FILE
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.users.migrations import upgrade
from cruddur.api.server import ApiServer
from cruddur.app import create_app
from cruddur.bootstrap import Runtime
from cruddur.config import Settings
from cruddur.stream.runner import build_poller, start_in_thread
from tests.boto import client_of

T = TypeVar("T")


@dataclass
class Member:
    uuid: str
    handle: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Api:
    url: str
    http: httpx.Client
    runtime: Runtime
    store: ConversationTable
    counter: list[int] = field(default_factory=lambda: [0])

    def signup(self, handle: str | None = None) -> Member:
        handle = handle or f"u{uuid.uuid4().hex[:10]}"
        body = {
            "handle": handle,
            "display_name": handle.title(),
            "email": f"{handle}@example.org",
            "password": "correct horse battery",
        }
        response = self.http.post("/api/auth/signup", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        return Member(data["user"]["uuid"], data["user"]["handle"], data["access_token"])

    def send(self, sender: Member, **body: Any) -> dict[str, Any]:
        response = self.http.post("/api/messages", json=body, headers=sender.auth)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def table_items(self) -> int:
        """How many items the table holds: bad input must leave this unchanged."""
        scan = client_of(self.store).scan(TableName=self.store.table.name, Select="COUNT")
        return int(scan["Count"])


def eventually(check: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Poll until `check` returns something truthy (the stream processor runs on its own)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def serve(settings: Settings, store: ConversationTable) -> Iterator[Api]:
    upgrade(settings.users_database_url)
    # The API's own store: its connections belong to the server's loop, the test's `store` to
    # the tests' loop (tests/own_loop.py).
    runtime = bootstrap.build_runtime(settings)
    poller_thread, poller_stop = start_in_thread(build_poller(settings, hub=runtime.hub))
    try:
        with (
            ApiServer(
                create_app(settings, runtime), "127.0.0.1", 0, settings.trusted_proxies
            ) as server,
            httpx.Client(base_url=server.url, timeout=30) as http,
        ):
            yield Api(server.url, http, runtime, store)
    finally:
        poller_stop.set()
        poller_thread.join(timeout=10)


@pytest.fixture
def api(settings: Settings, store: ConversationTable) -> Iterator[Api]:
    yield from serve(settings, store)


# One key for every API process of a deployment, as CRUDDUR_SIGNING_KEY gives it on AWS.
SHARED_SIGNING_KEY = SecretStr(
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    .decode()
)


@contextmanager
def running(settings: Settings, store: ConversationTable, **changes: Any) -> Iterator[Api]:
    """`serve` with some settings changed."""
    yield from serve(settings.model_copy(update=changes), store)


def second_process(settings: Settings, redis_url: str) -> dict[str, Any]:
    """Two API processes as deployed: one users database, one signing key and Redis, but each
    its own data directory (each runs a poller here, and pollers keep checkpoints there)."""
    return {
        "database_url": settings.users_database_url,
        "signing_key": SHARED_SIGNING_KEY,
        "redis_url": redis_url,
        "wrapping_key_file": Path(settings.data_dir) / KEY_FILE,
    }
