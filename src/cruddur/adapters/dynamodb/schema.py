"""The table of DESIGN §2: keys pk/sk, sparse GSI inbox-by-recency, stream NEW_IMAGE."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any, Protocol

from cruddur.adapters.dynamodb.errors import translate_code
from cruddur.adapters.dynamodb.wire import CorruptAnswer, DynamoError, NoAnswer
from cruddur.domain.keys import EXPIRES_AT, INBOX_INDEX
from cruddur.errors import TableMissing, Unavailable

log = logging.getLogger(__name__)

IN_USE = "ResourceInUseException"  # CreateTable of a table that exists
WAIT_SECONDS = 300.0  # for a table to become active or go (seconds on AWS, none locally)
WAIT_EVERY = 0.5
LIST_PAGES_MAX = 10_000  # of 100 tables: far past an account's limit, and still bounded


class Control(Protocol):
    """What the control plane needs of a wire (wire.SyncWire)."""

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]: ...


KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
INDEX_KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "last_message_sk", "KeyType": "RANGE"},
]


def table_definition(
    name: str, billing_mode: str = "PAY_PER_REQUEST", read: int = 5, write: int = 5
) -> dict[str, Any]:
    """CreateTable arguments. Only inbox rows carry last_message_sk, so the GSI holds only them."""
    index: dict[str, Any] = {
        "IndexName": INBOX_INDEX,
        "KeySchema": INDEX_KEY_SCHEMA,
        "Projection": {"ProjectionType": "ALL"},
    }
    definition: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "last_message_sk", "AttributeType": "S"},
        ],
        "KeySchema": KEY_SCHEMA,
        "GlobalSecondaryIndexes": [index],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        throughput = {"ReadCapacityUnits": read, "WriteCapacityUnits": write}
        definition["ProvisionedThroughput"] = throughput
        index["ProvisionedThroughput"] = dict(throughput)
    return definition


def create_table(wire: Control, definition: dict[str, Any]) -> bool:
    """Create the table and wait until it is active. False (and no change) if it already exists."""
    name = definition["TableName"]
    try:
        _call(wire, "CreateTable", definition, name, passthrough=(IN_USE,))
    except DynamoError:
        # There already, or being made (by another process, or by this very call whose answer
        # was lost and retried): usable once active.
        _wait(wire, name, exists=True)
        check_existing(wire, definition)
        ensure_ttl(wire, name)
        return False
    _wait(wire, name, exists=True)
    ensure_ttl(wire, name)
    log.info("created table %s", name)
    return True


def create_keys_table(wire: Control, name: str) -> bool:
    """The keys table (stores/user_keys.py), if it is not there; False if it already was. Never
    with a TTL, a stream or backups: what is deleted from it must be gone."""
    from cruddur.adapters.dynamodb.stores.user_keys import keys_table_definition

    try:
        _call(wire, "CreateTable", keys_table_definition(name), name, passthrough=(IN_USE,))
    except DynamoError:
        # Made meanwhile by another process, maybe still being made: usable once active.
        _wait(wire, name, exists=True)
        return False
    _wait(wire, name, exists=True)
    log.info("created keys table %s", name)
    return True


def ensure_ttl(wire: Control, name: str) -> None:
    """Let DynamoDB delete expired idempotency records (no cost; reads check expiry anyway)."""
    described = _call(wire, "DescribeTimeToLive", {"TableName": name}, name)
    if described["TimeToLiveDescription"].get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
        return
    specification = {"Enabled": True, "AttributeName": EXPIRES_AT}
    _call(
        wire,
        "UpdateTimeToLive",
        {"TableName": name, "TimeToLiveSpecification": specification},
        name,
    )


def check_existing(wire: Control, definition: dict[str, Any]) -> None:
    """An existing table must have our keys, index and stream, or nothing here will work."""
    table = describe(wire, definition["TableName"])
    indexes = {i["IndexName"]: i["KeySchema"] for i in table.get("GlobalSecondaryIndexes", [])}
    stream = table.get("StreamSpecification", {})
    problems = []
    if table["KeySchema"] != KEY_SCHEMA:
        problems.append("key schema is not pk/sk")
    if indexes.get(INBOX_INDEX) != INDEX_KEY_SCHEMA:
        problems.append(f"index {INBOX_INDEX} is missing or has other keys")
    if not stream.get("StreamEnabled") or stream.get("StreamViewType") not in {
        "NEW_IMAGE",
        "NEW_AND_OLD_IMAGES",
    }:
        problems.append("stream with new images is not enabled")
    if problems:
        raise Unavailable(f"table {definition['TableName']!r} exists but: " + "; ".join(problems))


def describe(wire: Control, name: str) -> dict[str, Any]:
    return dict(_call(wire, "DescribeTable", {"TableName": name}, name)["Table"])


def stream_arn(wire: Control, name: str) -> str:
    arn = describe(wire, name).get("LatestStreamArn")
    if not arn:
        raise Unavailable(
            f"table {name!r} has no stream; recreate it with `cruddur ddb schema-load`"
        )
    return str(arn)


def table_names(wire: Control) -> Iterator[str]:
    """Every table at the endpoint, page by page (ListTables answers 100 at most)."""
    args: dict[str, Any] = {}
    for _ in range(LIST_PAGES_MAX):
        page = _call(wire, "ListTables", args, "")
        yield from page.get("TableNames", [])
        if "LastEvaluatedTableName" not in page:
            return
        args = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}


def drop_table(wire: Control, name: str) -> None:
    _call(wire, "DeleteTable", {"TableName": name}, name)
    _wait(wire, name, exists=False)


# The control plane rides the data plane's wire: a boto3 client would load botocore's DynamoDB
# model (docs/benchmarks.md, "The figures behind design choices") into every process that makes
# or looks up a table, `cruddur up` and the stream poller among them. What boto3's waiters did
# for tables is `_wait`.
def _call(
    wire: Control,
    action: str,
    payload: dict[str, Any],
    name: str,
    passthrough: tuple[str, ...] = (),
) -> dict[str, Any]:
    try:
        return wire.call(action, payload)
    except DynamoError as exc:
        if exc.code in passthrough:
            raise
        raise translate_code(exc.code, name) from exc
    except (NoAnswer, CorruptAnswer) as exc:
        raise Unavailable(f"DynamoDB did not answer: {exc}") from exc


def _wait(wire: Control, name: str, *, exists: bool) -> None:
    """Until the table is active (`exists`) or gone; Unavailable past WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            status = describe(wire, name).get("TableStatus")
        except TableMissing:
            status = None
        if (status == "ACTIVE") if exists else (status is None):
            return
        if time.monotonic() > deadline:
            state = "active" if exists else "deleted"
            raise Unavailable(f"table {name!r} was not {state} after {WAIT_SECONDS:.0f} s")
        time.sleep(WAIT_EVERY)
