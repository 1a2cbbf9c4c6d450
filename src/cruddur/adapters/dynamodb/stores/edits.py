"""Editing and deleting a message in place, and reading one message by its id.

A message is found from its id alone: the id is a UUIDv7 naming its `created_at` (domain/ids.py),
so its key is computed, not looked up. Each change is one conditional UpdateItem: only the
author, only while the message is not deleted. A deletion leaves a tombstone (`deleted`, no
text), so pages and cursors around it stay where they were. `rev` counts the changes: the
stream processor keeps an inbox preview only from a higher one, so a replayed or late record
never brings back older text.
"""

from __future__ import annotations

from typing import Any

from cruddur.adapters.dynamodb import items
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.ids import created_at_of
from cruddur.domain.model import Message
from cruddur.errors import Conflict, Forbidden, NotFound

# Only the author, and only a message that is still there to change.
_CONDITION = (
    f"attribute_exists({keys.PK}) AND {items.USER_UUID} = :author"
    f" AND attribute_not_exists({items.DELETED})"
)


class MessageEdits:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table
        self.sealer = table.sealer

    async def get(self, group_uuid: str, message_uuid: str) -> Message:
        item = await self._item(group_uuid, message_uuid)
        if item is None:
            raise NotFound("no such message", field="message_uuid")
        return items.message_from_item(item, self.sealer)

    async def edit(
        self, group_uuid: str, message_uuid: str, author_uuid: str, text: str, edited_at: str
    ) -> Message:
        key = self._key(group_uuid, message_uuid)
        sort_key = key[keys.SK]
        await self.table.ready_to_seal()
        values: dict[str, Any] = {
            ":author": items.s(author_uuid),
            ":message": {"B": self.sealer.seal(text, group_uuid, sort_key)},
            ":edited_at": items.s(edited_at),
            ":one": {"N": "1"},
        }
        expression = f"SET {items.TEXT} = :message, {items.EDITED_AT} = :edited_at"
        short = items.preview(text)
        if short != text:  # the inbox shows a preview of a long text, as for a new message
            expression += f", {items.PREVIEW} = :preview ADD {items.REV} :one"
            values[":preview"] = {"B": self.sealer.seal(short, group_uuid, sort_key)}
        else:
            expression += f" REMOVE {items.PREVIEW} ADD {items.REV} :one"
        new = await self._update(key, expression, values)
        if new is None:
            raise Conflict("this message was deleted", field="message_uuid")
        return items.message_from_item(new, self.sealer)

    async def delete(
        self, group_uuid: str, message_uuid: str, author_uuid: str, deleted_at: str
    ) -> None:
        """Idempotent: deleting a deleted message of yours succeeds and changes nothing."""
        key = self._key(group_uuid, message_uuid)
        values = {
            ":author": items.s(author_uuid),
            ":true": {"BOOL": True},
            ":edited_at": items.s(deleted_at),
            ":one": {"N": "1"},
        }
        expression = (
            f"SET {items.DELETED} = :true, {items.EDITED_AT} = :edited_at"
            f" REMOVE {items.TEXT}, {items.PREVIEW} ADD {items.REV} :one"
        )
        await self._update(key, expression, values)

    async def _update(
        self, key: keys.Key, expression: str, values: dict[str, Any]
    ) -> items.Item | None:
        """The item as changed; None if it is the author's and already deleted."""
        try:
            response = await self.table.call(
                "UpdateItem",
                {
                    "TableName": self.table.name,
                    "Key": items.to_attrs(key),
                    "UpdateExpression": expression,
                    "ConditionExpression": _CONDITION,
                    "ExpressionAttributeValues": values,
                    "ReturnValues": "ALL_NEW",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    "ReturnConsumedCapacity": "TOTAL",
                },
                passthrough=(CONDITION_FAILED,),
                write=True,
            )
        except DynamoError as exc:
            old = dict(exc.body.get("Item") or {})
            if not old:
                raise NotFound("no such message", field="message_uuid") from None
            if old[items.USER_UUID]["S"] != values[":author"]["S"]:
                raise Forbidden("only its author can change a message") from None
            return None
        return dict(response["Attributes"])

    async def _item(self, group_uuid: str, message_uuid: str) -> items.Item | None:
        item = await self.table.get(self._key(group_uuid, message_uuid))
        if item is None or item[items.MESSAGE_UUID]["S"] != message_uuid:
            return None
        return item

    def _key(self, group_uuid: str, message_uuid: str) -> keys.Key:
        created_at = created_at_of(message_uuid)
        if created_at is None:
            # Not an id this service hands out: no message has it.
            raise NotFound("no such message", field="message_uuid")
        return keys.message_key(group_uuid, created_at, message_uuid)
