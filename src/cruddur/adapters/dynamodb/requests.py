"""The requests of the reads (patterns A, B and E) and how a response becomes a page.

Built here, sent by the stores (`stores/`) over the wire.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from cruddur.adapters.dynamodb import items
from cruddur.domain import keys
from cruddur.domain.model import InboxEntry, Message

MESSAGE_KEY_FIELDS = keys.MESSAGE_KEY_FIELDS
INBOX_KEY_FIELDS = keys.INBOX_KEY_FIELDS


def get_args(table: str, key: keys.Key, projection: str | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {
        "TableName": table,
        "Key": items.to_attrs(key),
        "ConsistentRead": True,
        "ReturnConsumedCapacity": "TOTAL",
    }
    if projection:
        args["ProjectionExpression"] = projection
    return args


def put_new_args(table: str, item: items.Item) -> dict[str, Any]:
    """A put whose key must be new: the condition fails on an existing item."""
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": f"attribute_not_exists({keys.PK})",
        "ReturnConsumedCapacity": "TOTAL",
    }


def messages_query(
    table: str, group_uuid: str, limit: int, start: keys.Key | None
) -> dict[str, Any]:
    """A: messages of a group, newest first."""
    args = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": items.s(keys.message_pk(group_uuid))},
        "ConsistentRead": True,
    }
    return _page_args(table, args, limit, start)


# Queries one inbox page may take to step over hidden rows (conversations with someone the owner
# blocks); past them, the page ends early with a cursor where the last query stopped.
INBOX_QUERIES_MAX = 5

InboxFill = Generator[dict[str, Any], dict[str, Any], tuple[list[InboxEntry], keys.Key | None]]


# A row is archived while nothing arrived since it was archived (or for good while muted):
# items.is_archived, in DynamoDB's words.
_ARCHIVED = (
    f"(attribute_exists({items.ARCHIVED_UPTO}) AND (attribute_exists({items.MUTED})"
    f" OR {items.ARCHIVED_UPTO} >= {items.LAST_MESSAGE_AT}))"
)
# The inbox's views: the rows each shows, besides those a block hides. The default view leaves
# out the pinned rows (the first page reads them first, from the pins item) and the archived.
INBOX_VIEWS = {
    "inbox": f"attribute_not_exists({items.PINNED_AT}) AND NOT {_ARCHIVED}",
    "archived": _ARCHIVED,
}


def inbox_query(
    table: str, owner_uuid: str, limit: int, start: keys.Key | None, view: str = "inbox"
) -> dict[str, Any]:
    """B: a user's inbox, newest activity first (the index is eventually consistent). Rows
    hidden by a block, and those of the other view, are filtered out by DynamoDB (still read, so
    a page may take more than one query: `inbox_pages`)."""
    args = {
        "IndexName": keys.INBOX_INDEX,
        "KeyConditionExpression": "pk = :pk",
        "FilterExpression": f"attribute_not_exists({items.HIDDEN}) AND {INBOX_VIEWS[view]}",
        "ExpressionAttributeValues": {":pk": items.s(keys.inbox_pk(owner_uuid))},
    }
    return _page_args(table, args, limit, start)


def inbox_pages(
    table: str,
    owner_uuid: str,
    limit: int,
    start: keys.Key | None,
    sealer: items.TextSealer,
    view: str = "inbox",
) -> InboxFill:
    """Pattern B as a conversation with a client: yields each Query's arguments, is sent its
    response, returns the page. One definition for the blocking and the awaited wire."""
    args = inbox_query(table, owner_uuid, limit, start, view)
    found: list[items.Item] = []
    last: dict[str, Any] | None = None
    for _ in range(INBOX_QUERIES_MAX):
        response = yield args
        found.extend(response.get("Items", []))
        last = response.get("LastEvaluatedKey")
        if len(found) > limit or last is None:
            break
        args = {**args, "ExclusiveStartKey": last}
    rows, cursor = _page({"Items": found}, limit, INBOX_KEY_FIELDS)
    if cursor is None and len(found) <= limit and last is not None:
        cursor = {name: last[name]["S"] for name in INBOX_KEY_FIELDS}  # stopped early
    return [items.inbox_from_item(item, sealer) for item in rows], cursor


def _page_args(
    table: str, args: dict[str, Any], limit: int, start: keys.Key | None
) -> dict[str, Any]:
    # Ask for one more than the page: then "there is a next page" is known, not guessed, and
    # the last page never hands out a cursor to an empty page.
    args = {**args, "TableName": table, "ScanIndexForward": False, "Limit": limit + 1}
    args["ReturnConsumedCapacity"] = "TOTAL"
    if start is not None:
        args["ExclusiveStartKey"] = items.to_attrs(start)
    return args


def messages_page(
    response: dict[str, Any], limit: int, sealer: items.TextSealer
) -> tuple[list[Message], keys.Key | None]:
    found, last = _page(response, limit, MESSAGE_KEY_FIELDS)
    return [items.message_from_item(item, sealer) for item in found], last


def sealed_values(response: dict[str, Any]) -> list[bytes]:
    """The sealed texts an answer holds (messages, their previews, inbox rows; a page, one item,
    or an update's new values), to find their keys."""
    found = [*response.get("Items", []), response.get("Item"), response.get("Attributes")]
    return [
        items.binary(item[name]["B"])
        for item in found
        if item
        for name in ("message", "preview", "last_message")
        if name in item
    ]


def _page(
    response: dict[str, Any], limit: int, fields: frozenset[str]
) -> tuple[list[items.Item], keys.Key | None]:
    found = list(response.get("Items", []))
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, {name: found[-1][name]["S"] for name in fields}
