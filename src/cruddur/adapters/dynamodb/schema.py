"""The table of DESIGN §2: keys pk/sk, sparse GSI inbox-by-recency, stream NEW_IMAGE."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from cruddur.adapters.dynamodb.errors import translate_code
from cruddur.domain.keys import EXPIRES_AT, INBOX_INDEX
from cruddur.errors import CruddurError, Unavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger(__name__)

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


def create_table(client: DynamoDBClient, definition: dict[str, Any]) -> bool:
    """Create the table and wait until it is active. False (and no change) if it already exists."""
    name = definition["TableName"]
    try:
        client.create_table(**definition)
    except ClientError as exc:
        if _code(exc) != "ResourceInUseException":
            raise _translated(exc, name) from exc
        check_existing(client, definition)
        ensure_ttl(client, name)
        return False
    except BotoCoreError as exc:
        raise _translated(exc, name) from exc
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    ensure_ttl(client, name)
    log.info("created table %s", name)
    return True


def create_keys_table(client: DynamoDBClient, name: str) -> bool:
    """The keys table (stores/user_keys.py), if it is not there; False if it already was. Never
    with a TTL, a stream or backups: what is deleted from it must be gone."""
    from cruddur.adapters.dynamodb.stores.user_keys import keys_table_definition

    try:
        client.create_table(**keys_table_definition(name))
    except ClientError as exc:
        if _code(exc) != "ResourceInUseException":
            raise _translated(exc, name) from exc
    except BotoCoreError as exc:
        raise _translated(exc, name) from exc
    else:
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        log.info("created keys table %s", name)
        return True
    # Made meanwhile by another process, maybe still being made: usable once active.
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return False


def ensure_ttl(client: DynamoDBClient, name: str) -> None:
    """Let DynamoDB delete expired idempotency records (no cost; reads check expiry anyway)."""
    try:
        described = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if described.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
            return
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRES_AT},
        )
    except (ClientError, BotoCoreError) as exc:
        raise _translated(exc, name) from exc


def check_existing(client: DynamoDBClient, definition: dict[str, Any]) -> None:
    """An existing table must have our keys, index and stream, or nothing here will work."""
    table = describe(client, definition["TableName"])
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


def describe(client: DynamoDBClient, name: str) -> dict[str, Any]:
    try:
        return dict(client.describe_table(TableName=name)["Table"])
    except (ClientError, BotoCoreError) as exc:
        raise _translated(exc, name) from exc


def stream_arn(client: DynamoDBClient, name: str) -> str:
    arn = describe(client, name).get("LatestStreamArn")
    if not arn:
        raise Unavailable(
            f"table {name!r} has no stream; recreate it with `cruddur ddb schema-load`"
        )
    return str(arn)


def drop_table(client: DynamoDBClient, name: str) -> None:
    try:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    except (ClientError, BotoCoreError) as exc:
        raise _translated(exc, name) from exc


# The control plane is boto3's (it waits for tables, which the wire does not need to know).
def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _translated(exc: ClientError | BotoCoreError, name: str) -> CruddurError:
    if isinstance(exc, BotoCoreError):
        return Unavailable(f"DynamoDB did not answer: {type(exc).__name__}")
    return translate_code(_code(exc), name)
