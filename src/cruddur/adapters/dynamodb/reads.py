"""The reads of patterns A and B (a conversation's messages, an inbox) and how their answers
become pages: built here, with no I/O, and run by the stores (`stores/`) on a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cruddur.adapters.dynamodb import inbox_items, message_items, text_sealer
from cruddur.adapters.dynamodb.attributes import (
    ARCHIVED_UPTO,
    HIDDEN,
    LAST_MESSAGE_AT,
    LAST_MESSAGE_SK,
    MUTED,
    PINNED_AT,
    PINNED_GROUPS,
    Item,
    binary,
    s,
    to_attrs,
)
from cruddur.adapters.dynamodb.operations import Operation
from cruddur.domain import keys
from cruddur.domain.model import InboxEntry, Message

MESSAGE_KEY_FIELDS = keys.MESSAGE_KEY_FIELDS
INBOX_KEY_FIELDS = keys.INBOX_KEY_FIELDS
INDEX_SORT_KEY = LAST_MESSAGE_SK  # the inbox index's sort key


def messages_query(
    table: str, group_uuid: str, limit: int, start: keys.Key | None, floor: str | None = None
) -> dict[str, Any]:
    """A: messages of a group, newest first; from `floor` on (a sort key: where a group
    member's membership starts), if given."""
    args: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": s(keys.message_pk(group_uuid))},
        "ConsistentRead": True,
    }
    if floor is not None:
        args["KeyConditionExpression"] += " AND sk >= :floor"
        args["ExpressionAttributeValues"][":floor"] = s(floor)
    return _page_args(table, args, limit, start)


def inbox_index_key(owner_uuid: str, after: InboxEntry | None) -> keys.Key:
    """The inbox index's key of the row `after`, where a page that follows it starts; None: a
    key before every row of the index (a sort key above every timestamp)."""
    if after is None:
        return {**keys.inbox_key(owner_uuid, "~"), INDEX_SORT_KEY: "~"}
    return {**keys.inbox_key(owner_uuid, after.group_uuid), INDEX_SORT_KEY: after.last_message_sk}


# Queries one inbox page may take to step over hidden rows (conversations with someone the owner
# blocks); past them, the page ends early with a cursor where the last query stopped.
INBOX_QUERIES_MAX = 5


@dataclass(frozen=True)
class InboxRead:
    """One inbox page as read: its rows, where the next starts, and the groups the owner
    pinned (the pins item sorts first in the index, so the first page's Query reads it too)."""

    rows: list[InboxEntry]
    last: keys.Key | None
    pinned_groups: list[str]


# A row is archived while nothing arrived since it was archived (or for good while muted):
# inbox_items.is_archived, in DynamoDB's words.
_ARCHIVED = (
    f"(attribute_exists({ARCHIVED_UPTO}) AND (attribute_exists({MUTED})"
    f" OR {ARCHIVED_UPTO} >= {LAST_MESSAGE_AT}))"
)
# The inbox's views: the rows each shows, besides those a block hides. The default view leaves
# out the pinned rows (the first page shows them first, from the pins item) and the archived.
INBOX_VIEWS = {
    "inbox": f"attribute_not_exists({PINNED_AT}) AND NOT {_ARCHIVED}",
    "archived": _ARCHIVED,
}
# The pins item, which only the inbox view's first page meets (it sorts above every row).
_PINS_ITEM = f"attribute_exists({PINNED_GROUPS})"


def inbox_query(
    table: str, owner_uuid: str, limit: int, start: keys.Key | None, view: str = "inbox"
) -> dict[str, Any]:
    """B: a user's inbox, newest activity first (the index is eventually consistent). Rows
    hidden by a block, and those of the other view, are filtered out by DynamoDB (still read, so
    a page may take more than one query: `inbox_pages`). The first page of the inbox view asks
    for one item more: the pins item, when there is one, comes first and takes a place."""
    args = {
        "IndexName": keys.INBOX_INDEX,
        "KeyConditionExpression": "pk = :pk",
        "FilterExpression": f"(attribute_not_exists({HIDDEN}) AND {INBOX_VIEWS[view]})"
        + (f" OR {_PINS_ITEM}" if view == "inbox" else ""),
        "ExpressionAttributeValues": {":pk": s(keys.inbox_pk(owner_uuid))},
    }
    query = _page_args(table, args, limit, start)
    if start is None and view == "inbox":
        query["Limit"] += 1
    return query


def inbox_pages(
    table: str,
    owner_uuid: str,
    limit: int,
    start: keys.Key | None,
    sealer: text_sealer.TextSealer,
    view: str = "inbox",
) -> Operation[InboxRead]:
    """Pattern B: the Queries of one inbox page (more than one when hidden rows are stepped
    over), and the page."""
    args = inbox_query(table, owner_uuid, limit, start, view)
    found: list[Item] = []
    pinned: list[str] = []
    last: dict[str, Any] | None = None
    for _ in range(INBOX_QUERIES_MAX):
        response = yield "Query", args
        for item in response.get("Items", []):
            if item[keys.SK]["S"] == keys.PINS_SK:
                pinned = sorted(item.get(PINNED_GROUPS, {}).get("SS", []))
            else:
                found.append(item)
        last = response.get("LastEvaluatedKey")
        if len(found) > limit or last is None:
            break
        args = {**args, "ExclusiveStartKey": last}
    rows, cursor = _page({"Items": found}, limit, INBOX_KEY_FIELDS)
    if cursor is None and len(found) <= limit and last is not None:
        cursor = {name: last[name]["S"] for name in INBOX_KEY_FIELDS}  # stopped early
    return InboxRead([inbox_items.inbox_from_item(item, sealer) for item in rows], cursor, pinned)


def _page_args(
    table: str, args: dict[str, Any], limit: int, start: keys.Key | None
) -> dict[str, Any]:
    # Ask for one more than the page: then "there is a next page" is known, not guessed, and
    # the last page never hands out a cursor to an empty page.
    args = {**args, "TableName": table, "ScanIndexForward": False, "Limit": limit + 1}
    if start is not None:
        args["ExclusiveStartKey"] = to_attrs(start)
    return args


def messages_page(
    table: str,
    group_uuid: str,
    limit: int,
    start: keys.Key | None,
    sealer: text_sealer.TextSealer,
    floor: str | None = None,
) -> Operation[tuple[list[Message], keys.Key | None]]:
    """Pattern A: one Query, one page."""
    response = yield "Query", messages_query(table, group_uuid, limit, start, floor)
    found, last = _page(response, limit, MESSAGE_KEY_FIELDS)
    return [message_items.message_from_item(item, sealer) for item in found], last


def sealed_values(response: dict[str, Any]) -> list[bytes]:
    """The sealed texts an answer holds (messages, their previews, inbox rows; a page, one item,
    or an update's new values), to find their keys."""
    found = [*response.get("Items", []), response.get("Item"), response.get("Attributes")]
    return [
        binary(item[name]["B"])
        for item in found
        if item
        for name in ("message", "preview", "last_message")
        if name in item
    ]


def _page(
    response: dict[str, Any], limit: int, fields: frozenset[str]
) -> tuple[list[Item], keys.Key | None]:
    found = list(response.get("Items", []))
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, {name: found[-1][name]["S"] for name in fields}
