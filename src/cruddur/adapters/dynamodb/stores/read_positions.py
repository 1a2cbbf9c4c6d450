"""The reader's share of pattern D: marking a conversation read, and telling the other member's
row how far (for "Seen"). The stream's share is `inbox_rows.py`."""

from __future__ import annotations

import logging

from cruddur.adapters.dynamodb import operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import (
    LAST_MESSAGE_SK,
    OTHER_READ_AT,
    OTHER_READ_SK,
    READ_AT,
    READ_SK,
    UNREAD,
    s,
)
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import ReadPosition
from cruddur.errors import Conflict, NotFound

log = logging.getLogger(__name__)
MAX_TRIES = 8


async def mark_read(
    table: AsyncTable, reader: str, other: str | None, group_uuid: str, now: str
) -> ReadPosition | None:
    """Everything up to the row's latest message is read; its unread set empties, and the
    other member's row learns how far this reader has read. None if it already was read."""
    key = keys.inbox_key(reader, group_uuid)
    for _ in range(MAX_TRIES):
        row = await table.get(
            key,
            projection=f"{LAST_MESSAGE_SK}, {READ_SK}, {UNREAD}",
        )
        if row is None:
            raise NotFound("no such conversation")
        last = row[LAST_MESSAGE_SK]["S"]
        unread = UNREAD in row
        if row.get(READ_SK, {}).get("S") == last and not unread:
            return None
        try:
            # Conditional on the newest message we saw: one that lands meanwhile stays unread.
            update = operations.update(
                table.name,
                key,
                f"SET {READ_SK} = :last, {READ_AT} = :now REMOVE {UNREAD}",
                {":last": s(last), ":now": s(now)},
                condition=f"{LAST_MESSAGE_SK} = :last",
            )
            await table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))
        except DynamoError:
            continue
        position = ReadPosition(group_uuid, reader, last, now)
        if other is not None:  # a group's members read each other's rows instead
            await _tell_other(table, other, position)
        return position
    raise Conflict("the conversation kept changing; try again")


async def _tell_other(table: AsyncTable, other: str, position: ReadPosition) -> None:
    """The other member's row: how far this reader has read (only ever forward)."""
    try:
        update = operations.update(
            table.name,
            keys.inbox_key(other, position.group_uuid),
            f"SET {OTHER_READ_SK} = :sk, {OTHER_READ_AT} = :at",
            {":sk": s(position.sort_key), ":at": s(position.read_at)},
            condition=(
                f"attribute_exists({keys.PK}) AND (attribute_not_exists({OTHER_READ_SK})"
                f" OR {OTHER_READ_SK} < :sk)"
            ),
        )
        await table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))
    except DynamoError:
        log.debug("read position of group %s was already past this one", position.group_uuid)
