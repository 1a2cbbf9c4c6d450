"""The table core: DynamoDB requests built and answers read, with no I/O.

An operation that takes more than one call (every page of a Query, a BatchGetItem with its
unprocessed keys) is a generator: it yields each call's `(action, payload)`, is sent the answer,
and returns its result. The blocking table (`table.py`) and the awaited one (`async_table.py`)
drive the same generator over their own wire, as httpx layers one client policy over transports
that only move bytes; a test drives it with a list of answers and no socket.

Consumed capacity is asked for here, once, for every call that reports it (`metered`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from typing import Any, TypeVar

from cruddur.adapters.dynamodb.attributes import Item, s, to_attrs
from cruddur.domain import keys
from cruddur.errors import Unavailable

T = TypeVar("T")
Call = tuple[str, dict[str, Any]]
Operation = Generator[Call, dict[str, Any], T]

# The calls that can report the capacity they consumed (the streams API and the control plane
# cannot), and those of them that write: DynamoDB Local reports a write's capacity as a total.
METERED = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
        "BatchExecuteStatement",
    }
)
# BatchExecuteStatement: the stream's PartiQL updates (inbox_statements.py), its only use here.
WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "BatchExecuteStatement",
    }
)

# BatchGetItem takes at most this many keys; unprocessed keys are asked for again this many
# times (the wire already retries throttling) before the caller is told to try again.
BATCH_GET_MAX = 100
BATCH_TRIES = 5


def metered(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload, asking for its consumed capacity when the call can report it."""
    if action in METERED and "ReturnConsumedCapacity" not in payload:
        return {**payload, "ReturnConsumedCapacity": "TOTAL"}
    return payload


def get(table: str, key: keys.Key, projection: str | None = None) -> dict[str, Any]:
    """A consistent GetItem (pattern E and every read-before-write)."""
    args: dict[str, Any] = {"TableName": table, "Key": to_attrs(key), "ConsistentRead": True}
    if projection:
        args["ProjectionExpression"] = projection
    return args


def put(
    table: str,
    item: Item,
    condition: str | None = None,
    values: Mapping[str, Any] | None = None,
    *,
    old_on_failure: bool = False,
) -> dict[str, Any]:
    """A PutItem; `condition` makes it conditional, and `old_on_failure` has a refusal carry
    the item that stood in the way (one call instead of a put and a get)."""
    args: dict[str, Any] = {"TableName": table, "Item": item}
    if condition is not None:
        args["ConditionExpression"] = condition
    if values:
        args["ExpressionAttributeValues"] = dict(values)
    if old_on_failure:
        args["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return args


def put_new(table: str, item: Item) -> dict[str, Any]:
    """A put whose key must be new: the condition fails on an existing item."""
    return put(table, item, f"attribute_not_exists({keys.PK})")


def delete(table: str, key: keys.Key) -> dict[str, Any]:
    return {"TableName": table, "Key": to_attrs(key)}


def update(
    table: str,
    key: keys.Key,
    expression: str,
    values: Mapping[str, Any] | None = None,
    *,
    condition: str | None = None,
    returning: str | None = None,
    old_on_failure: bool = False,
) -> dict[str, Any]:
    """An UpdateItem; `condition` makes it conditional, `returning` names ReturnValues, and
    `old_on_failure` has a refusal carry the item as it stood."""
    args: dict[str, Any] = {
        "TableName": table,
        "Key": to_attrs(key),
        "UpdateExpression": expression,
    }
    if values:
        args["ExpressionAttributeValues"] = dict(values)
    if condition is not None:
        args["ConditionExpression"] = condition
    if returning is not None:
        args["ReturnValues"] = returning
    if old_on_failure:
        args["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return args


def query(
    table: str,
    partition: str,
    *,
    prefix: str | None = None,
    projection: str | None = None,
    consistent: bool = True,
    newest_first: bool = False,
    limit: int | None = None,
) -> dict[str, Any]:
    """A Query of one partition (its items whose sort key starts with `prefix`), in key order
    or, `newest_first`, the reverse."""
    condition = f"{keys.PK} = :pk"
    values = {":pk": s(partition)}
    if prefix is not None:
        condition += f" AND begins_with({keys.SK}, :prefix)"
        values[":prefix"] = s(prefix)
    args: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if consistent:
        args["ConsistentRead"] = True
    if projection is not None:
        args["ProjectionExpression"] = projection
    if newest_first:
        args["ScanIndexForward"] = False
    if limit is not None:
        args["Limit"] = limit
    return args


def next_page(request: dict[str, Any], answer: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Query or Scan that reads on from where `answer` stopped; None after the last page."""
    start = answer.get("LastEvaluatedKey")
    return None if not start else {**request, "ExclusiveStartKey": start}


def every_item(action: str, request: dict[str, Any]) -> Operation[list[Item]]:
    """Every item of a Query or Scan, page after page."""
    found: list[Item] = []
    page: dict[str, Any] | None = request
    while page is not None:
        answer = yield action, page
        found.extend(dict(item) for item in answer.get("Items", []))
        page = next_page(page, answer)
    return found


def batch_get(
    table: str,
    wanted: Iterable[keys.Key],
    projection: str | None = None,
    *,
    consistent: bool = False,
) -> Operation[list[Item]]:
    """The items of these keys that exist, in no particular order: a BatchGetItem a hundred
    keys, each asking again for what DynamoDB left unprocessed. Never a guess: a key left
    unread after the tries is `Unavailable`, not missing."""
    every = [to_attrs(key) for key in wanted]
    found: list[Item] = []
    for first in range(0, len(every), BATCH_GET_MAX):
        spec: dict[str, Any] = {"Keys": every[first : first + BATCH_GET_MAX]}
        if projection is not None:
            spec["ProjectionExpression"] = projection
        if consistent:
            spec["ConsistentRead"] = True
        request: dict[str, Any] = {table: spec}
        for _ in range(BATCH_TRIES):
            answer = yield "BatchGetItem", {"RequestItems": request}
            found.extend(dict(item) for item in answer.get("Responses", {}).get(table, []))
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise Unavailable("DynamoDB kept some keys unprocessed; try again")
    return found
