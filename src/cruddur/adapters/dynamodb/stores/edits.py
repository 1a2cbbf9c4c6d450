"""Editing and deleting a message in place, and reading one message by its id.

A message is found from its id alone: the id is a UUIDv7 naming its `created_at` (domain/ids.py),
so its key is computed, not looked up. Each change is one conditional UpdateItem: only the
author, only while the message is not deleted. A deletion leaves a tombstone (`deleted`, no
text), so pages and cursors around it stay where they were. `rev` counts the changes: the
stream processor keeps an inbox preview only from a higher one, so a replayed or late record
never brings back older text.

A reaction is an ADD to (or DELETE from) the reacting member's string set on the message item:
atomic, idempotent, exact under any number of concurrent toggles, and it never rewrites the
sealed text.
"""

from __future__ import annotations

from typing import Any

from cruddur.adapters.dynamodb import message_items, operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import (
    ATTACHMENTS,
    DELETED,
    EDITED_AT,
    MESSAGE_UUID,
    PREVIEW,
    REACTED_REV,
    REACTIONS,
    REV,
    TEXT,
    USER_UUID,
    Item,
    s,
)
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.attachments import Attachment
from cruddur.domain.ids import created_at_of
from cruddur.domain.model import Message
from cruddur.domain.reactions import MOST_PER_MEMBER
from cruddur.domain.text import preview
from cruddur.errors import Conflict, Forbidden, Invalid, NotFound

# Only the author, and only a message that is still there to change.
_CONDITION = (
    f"attribute_exists({keys.PK}) AND {USER_UUID} = :author AND attribute_not_exists({DELETED})"
)


class MessageEdits:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table
        self.sealer = table.sealer

    async def get(self, group_uuid: str, message_uuid: str) -> Message:
        item = await self._item(group_uuid, message_uuid)
        if item is None:
            raise NotFound("no such message", field="message_uuid")
        return message_items.message_from_item(item, self.sealer)

    async def get_many(self, group_uuid: str, message_uuids: set[str]) -> dict[str, Message]:
        """The messages of these ids in the group that exist (one BatchGetItem a hundred)."""
        wanted = [self._key(group_uuid, uuid) for uuid in sorted(message_uuids) if _named(uuid)]
        found: dict[str, Message] = {}
        for start in range(0, len(wanted), 100):
            for item in await self.table.batch_get(wanted[start : start + 100]):
                message = message_items.message_from_item(item, self.sealer)
                found[message.message_uuid] = message
        return found

    async def edit(
        self, group_uuid: str, message_uuid: str, author_uuid: str, text: str, edited_at: str
    ) -> Message:
        key = self._key(group_uuid, message_uuid)
        sort_key = key[keys.SK]
        await self.table.ready_to_seal(author_uuid)
        values: dict[str, Any] = {
            ":author": s(author_uuid),
            ":message": {"B": self.sealer.seal(text, group_uuid, sort_key, author_uuid)},
            ":edited_at": s(edited_at),
            ":one": {"N": "1"},
        }
        expression = f"SET {TEXT} = :message, {EDITED_AT} = :edited_at"
        short = preview(text)
        if short != text:  # the inbox shows a preview of a long text, as for a new message
            expression += f", {PREVIEW} = :preview ADD {REV} :one"
            values[":preview"] = {"B": self.sealer.seal(short, group_uuid, sort_key, author_uuid)}
        else:
            expression += f" REMOVE {PREVIEW} ADD {REV} :one"
        new = await self._update(key, expression, values)
        if new is None:
            raise Conflict("this message was deleted", field="message_uuid")
        return message_items.message_from_item(new, self.sealer)

    async def delete(
        self, group_uuid: str, message_uuid: str, author_uuid: str, deleted_at: str
    ) -> tuple[Attachment, ...]:
        """Idempotent: deleting a deleted message of yours succeeds and changes nothing. The
        files it carried, whose objects the caller deletes (none the second time)."""
        key = self._key(group_uuid, message_uuid)
        values = {
            ":author": s(author_uuid),
            ":true": {"BOOL": True},
            ":edited_at": s(deleted_at),
            ":one": {"N": "1"},
        }
        expression = (
            f"SET {DELETED} = :true, {EDITED_AT} = :edited_at"
            f" REMOVE {TEXT}, {PREVIEW}, {ATTACHMENTS},"
            f" {', '.join(REACTIONS)} ADD {REV} :one"
        )
        old = await self._update(key, expression, values, returned="ALL_OLD")
        return () if old is None else message_items.attachments_of(old, self.sealer)

    async def react(
        self,
        group_uuid: str,
        message_uuid: str,
        members: tuple[str, ...],
        member_uuid: str,
        emoji: str,
        present: bool,
    ) -> None:
        """Put `member_uuid`'s `emoji` under the message (present) or take it away. Both are
        idempotent. Taking away one that is not there writes nothing."""
        key = self._key(group_uuid, message_uuid)
        mine = message_items.reactions_attribute(members, member_uuid)
        values: dict[str, Any] = {":emoji": {"SS": [emoji]}, ":zero": {"N": "0"}}
        mark = f"SET {REACTED_REV} = if_not_exists({REV}, :zero)"
        if present:
            expression = f"ADD {mine} :emoji {mark}"
            condition = (
                f"attribute_exists({keys.PK}) AND attribute_not_exists({DELETED})"
                f" AND (attribute_not_exists({mine}) OR size({mine}) < :most"
                f" OR contains({mine}, :one))"
            )
            values |= {":most": {"N": str(MOST_PER_MEMBER)}, ":one": s(emoji)}
        else:
            expression = f"DELETE {mine} :emoji {mark}"
            condition = f"contains({mine}, :one)"
            values[":one"] = s(emoji)
        try:
            update = operations.update(
                self.table.name, key, expression, values, condition=condition, old_on_failure=True
            )
            await self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))
        except DynamoError as exc:
            old = dict(exc.body.get("Item") or {})
            if not old:
                raise NotFound("no such message", field="message_uuid") from None
            if not present:
                return  # not there: nothing to take away
            if message_items.is_deleted(old):
                raise Conflict("this message was deleted", field="message_uuid") from None
            raise Invalid(
                f"at most {MOST_PER_MEMBER} different reactions of yours on one message",
                field="emoji",
            ) from None

    async def _update(
        self, key: keys.Key, expression: str, values: dict[str, Any], returned: str = "ALL_NEW"
    ) -> Item | None:
        """The item as changed (or as it was, `returned="ALL_OLD"`); None if it is the
        author's and already deleted."""
        try:
            update = operations.update(
                self.table.name,
                key,
                expression,
                values,
                condition=_CONDITION,
                returning=returned,
                old_on_failure=True,
            )
            response = await self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))
        except DynamoError as exc:
            old = dict(exc.body.get("Item") or {})
            if not old:
                raise NotFound("no such message", field="message_uuid") from None
            if old[USER_UUID]["S"] != values[":author"]["S"]:
                raise Forbidden("only its author can change a message") from None
            return None
        return dict(response["Attributes"])

    async def _item(self, group_uuid: str, message_uuid: str) -> Item | None:
        item = await self.table.get(self._key(group_uuid, message_uuid))
        if item is None or item[MESSAGE_UUID]["S"] != message_uuid:
            return None
        return item

    @staticmethod
    def _key(group_uuid: str, message_uuid: str) -> keys.Key:
        created_at = created_at_of(message_uuid)
        if created_at is None:
            # Not an id this service hands out: no message has it.
            raise NotFound("no such message", field="message_uuid")
        return keys.message_key(group_uuid, created_at, message_uuid)


def _named(message_uuid: str) -> bool:
    """An id this service could have handed out (it names a time)."""
    return created_at_of(message_uuid) is not None
