"""The reader's share of pattern D: marking a conversation read, and telling the other member's
row how far (for "Seen"). The stream's share is `inbox_rows.py`."""

from __future__ import annotations

import logging

from cruddur.adapters.dynamodb import items
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import ReadPosition
from cruddur.errors import Conflict, NotFound

log = logging.getLogger(__name__)
MAX_TRIES = 8


async def mark_read(
    table: AsyncTable, reader: str, other: str, group_uuid: str, now: str
) -> ReadPosition | None:
    """Everything up to the row's latest message is read; its unread set empties, and the
    other member's row learns how far this reader has read. None if it already was read."""
    key = keys.inbox_key(reader, group_uuid)
    for _ in range(MAX_TRIES):
        row = await table.get(
            key, projection=f"{items.LAST_MESSAGE_SK}, {items.READ_SK}, {items.UNREAD}"
        )
        if row is None:
            raise NotFound("no such conversation")
        last = row[items.LAST_MESSAGE_SK]["S"]
        unread = items.UNREAD in row
        if row.get(items.READ_SK, {}).get("S") == last and not unread:
            return None
        try:
            # Conditional on the newest message we saw: one that lands meanwhile stays unread.
            await table.call(
                "UpdateItem",
                {
                    "TableName": table.name,
                    "Key": items.to_attrs(key),
                    "UpdateExpression": (
                        f"SET {items.READ_SK} = :last, {items.READ_AT} = :now REMOVE {items.UNREAD}"
                    ),
                    "ConditionExpression": f"{items.LAST_MESSAGE_SK} = :last",
                    "ExpressionAttributeValues": {":last": items.s(last), ":now": items.s(now)},
                    "ReturnConsumedCapacity": "TOTAL",
                },
                passthrough=(CONDITION_FAILED,),
                write=True,
            )
        except DynamoError:
            continue
        position = ReadPosition(group_uuid, reader, last, now)
        await _tell_other(table, other, position)
        return position
    raise Conflict("the conversation kept changing; try again")


async def _tell_other(table: AsyncTable, other: str, position: ReadPosition) -> None:
    """The other member's row: how far this reader has read (only ever forward)."""
    try:
        await table.call(
            "UpdateItem",
            {
                "TableName": table.name,
                "Key": items.to_attrs(keys.inbox_key(other, position.group_uuid)),
                "UpdateExpression": (
                    f"SET {items.OTHER_READ_SK} = :sk, {items.OTHER_READ_AT} = :at"
                ),
                "ConditionExpression": (
                    f"attribute_exists({keys.PK}) AND (attribute_not_exists({items.OTHER_READ_SK})"
                    f" OR {items.OTHER_READ_SK} < :sk)"
                ),
                "ExpressionAttributeValues": {
                    ":sk": items.s(position.sort_key),
                    ":at": items.s(position.read_at),
                },
                "ReturnConsumedCapacity": "TOTAL",
            },
            passthrough=(CONDITION_FAILED,),
            write=True,
        )
    except DynamoError:
        log.debug("read position of group %s was already past this one", position.group_uuid)
