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
from cruddur.adapters.dynamodb.attributes import LAST_MESSAGE_REV, LAST_MESSAGE_SK, REV
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.users.migrations import upgrade
from cruddur.api.server import ApiServer
from cruddur.app import create_app
from cruddur.bootstrap import Runtime
from cruddur.config import Settings
from cruddur.domain import keys
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


def snapshot(api: Api) -> list[dict[str, Any]]:
    """Every item of the table, in key order: a refused request must leave it exactly as it was
    (a count would miss a change, or an item written and another removed)."""
    found: list[dict[str, Any]] = []
    args: dict[str, Any] = {"TableName": api.store.table.name, "ConsistentRead": True}
    while True:
        page = client_of(api.store).scan(**args)
        found.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(found, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stream_caught_up(api: Api, group: str, *owners: str) -> None:
    """Wait until the stream has written all it will for the group: the inbox row of each
    owner (a uuid) names the group's newest message at that message's revision, and the stream
    applies a shard's records in order, so every earlier one is applied too. A snapshot taken
    then changes only if a request writes."""
    client, table = client_of(api.store), api.store.table.name

    def newest() -> tuple[str, str] | None:
        found = client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.message_pk(group)}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )["Items"]
        return (found[0]["sk"]["S"], found[0].get(REV, {"N": "0"})["N"]) if found else None

    def names(owner: str, message: tuple[str, str]) -> bool:
        key = {name: {"S": value} for name, value in keys.inbox_key(owner, group).items()}
        row = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
        shown = row.get(LAST_MESSAGE_SK, {}).get("S")
        return (shown, row.get(LAST_MESSAGE_REV, {"N": "0"})["N"]) == message

    def caught_up() -> bool:
        message = newest()
        return message is None or all(names(owner, message) for owner in owners)

    eventually(caught_up)


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
