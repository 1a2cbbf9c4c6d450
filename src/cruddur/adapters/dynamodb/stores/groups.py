"""Group conversations on the one table: the membership item, the members' rows, event items.

Every change of a group is one transaction: the membership item (conditional on the version it
was read at, so two changes never both win), the rows it adds or deletes, and its event item.
The other members' rows learn the new size, names and title just after (conditional on the
version: only ever forward); the stream carries the event item to every row's preview.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from cruddur.adapters.dynamodb import group_items, message_items, operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import (
    LAST_MESSAGE_SK,
    MEMBERS_VERSION,
    READ_AT,
    READ_SK,
    TITLE,
    UNREAD,
    USER_UUID,
)
from cruddur.adapters.dynamodb.errors import (
    CONDITION_FAILED,
    TRANSACTION_CANCELED,
    cancellation_codes,
)
from cruddur.adapters.dynamodb.inbox_items import last_message_attrs, unread_token
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.groups import Group, Member
from cruddur.domain.model import Message
from cruddur.errors import Conflict

# The newest messages a new member's row is brought up to (those sent while they joined).
CATCH_UP = 20


class GroupTable:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table

    async def get_group(self, group_uuid: str) -> Group | None:
        """The membership item, read consistently: None for no such group (or a direct one)."""
        item = await self.table.get(keys.members_key(group_uuid))
        return None if item is None else group_items.group_of(item)

    async def create_group(self, group: Group, first: Message) -> None:
        """The membership item, every member's row and the first event item, all or nothing.
        A retry of the same start (the same event uuid) is a no-op; a group already there is a
        Conflict."""
        await self.table.ready_to_seal(first.sender.uuid)
        event = message_items.message_item(first, self.table.sealer)
        shown = message_items.last_message_of(event)
        items = [
            group_items.members_item(group),
            *(group_items.member_row(group, m, shown) for m in group.members),
            event,
        ]
        await self._transact(
            [{"Put": operations.put_new(self.table.name, item)} for item in items],
            first.message_uuid,
        )

    async def change_group(
        self,
        before: Group,
        after: Group,
        events: Sequence[Message],
        added: Sequence[Member] = (),
        removed: Sequence[str] = (),
    ) -> None:
        """One change of a group, all or nothing: Conflict if the group changed since `before`
        was read (read it again and retry). Then every remaining row learns the change. A new
        member's row shows the event that added them."""
        for author in {message_items.sealing_author(event) for event in events}:
            await self.table.ready_to_seal(author)
        items = [message_items.message_item(event, self.table.sealer) for event in events]
        shown = {
            event.event.target_uuid: message_items.last_message_of(item)
            for event, item in zip(events, items, strict=True)
            if event.event is not None
        }
        members = operations.put(
            self.table.name,
            group_items.members_item(after),
            "version = :seen",
            {":seen": {"N": str(before.version)}},
        )
        name = self.table.name
        writes: list[dict[str, Any]] = [{"Put": members}]
        writes += [
            {"Put": operations.put_new(name, group_items.member_row(after, m, shown[m.uuid]))}
            for m in added
        ]
        writes += [
            {"Delete": operations.delete(name, keys.inbox_key(uuid, after.group_uuid))}
            for uuid in removed
        ]
        writes += [{"Put": operations.put_new(name, item)} for item in items]
        await self._transact(writes, events[0].message_uuid)
        await self.refresh_rows(after, skip={m.uuid for m in added})

    async def refresh_rows(
        self, group: Group, skip: set[str] | frozenset[str] = frozenset()
    ) -> None:
        """Each member's row takes the group's title, size and names at this version, unless it
        already shows a later one. Rows are independent: written at once."""
        await asyncio.gather(
            *(self._refresh(group, m.uuid) for m in group.members if m.uuid not in skip)
        )

    async def _refresh(self, group: Group, owner: str) -> None:
        fields = group_items.row_fields(group, owner)
        names = {f"#{i}": name for i, name in enumerate(fields)}
        values = {f":{i}": value for i, value in enumerate(fields.values())}
        expression = "SET " + ", ".join(f"#{i} = :{i}" for i in range(len(fields)))
        if TITLE not in fields:
            expression += f" REMOVE {TITLE}"
        update = operations.update(
            self.table.name,
            keys.inbox_key(owner, group.group_uuid),
            expression,
            {**values, ":v": {"N": str(group.version)}},
            condition=(
                f"attribute_exists({keys.PK}) AND (attribute_not_exists({MEMBERS_VERSION})"
                f" OR {MEMBERS_VERSION} < :v)"
            ),
        )
        update["ExpressionAttributeNames"] = names
        # Refused: a later change already wrote this row, or the member has gone since.
        with contextlib.suppress(DynamoError):
            await self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))

    async def catch_up(self, group_uuid: str, member: Member) -> None:
        """A new member's row shows the group's newest messages since they joined, unread as
        the stream would have counted them: one sent while they were being added may have
        reached the stream processor before they were a member. The stream's own update of
        them, before or after, changes nothing more (the preview only moves forward; a token
        in the unread set is there once)."""
        request = operations.query(
            self.table.name, keys.message_pk(group_uuid), newest_first=True, limit=CATCH_UP
        )
        answer = await self.table.call("Query", request)
        newer = [
            message_items.last_message_of(item)
            for item in answer.get("Items", [])
            if item[keys.SK]["S"] > member.joined_sk
        ]
        if not newer:
            return
        attrs = last_message_attrs(newer[0])
        values = {f":{name}": value for name, value in attrs.items()}
        expression = "SET " + ", ".join(f"{name} = :{name}" for name in attrs)
        unread = {
            unread_token(m.sort_key)
            for m in newer
            if m.rev == 0 and not m.event and not m.deleted and m.sender_uuid != member.uuid
        }
        if unread:
            expression += f" ADD {UNREAD} :unread"
            values[":unread"] = {"BS": sorted(unread)}
        update = operations.update(
            self.table.name,
            keys.inbox_key(member.uuid, group_uuid),
            expression,
            values,
            condition=f"attribute_exists({keys.PK}) AND {LAST_MESSAGE_SK} < :{LAST_MESSAGE_SK}",
        )
        # Refused: the stream was first, and the row already shows it (or a later one).
        with contextlib.suppress(DynamoError):
            await self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))

    async def read_positions(self, group: Group) -> dict[str, tuple[str | None, str | None]]:
        """How far each member has read (sort key, when): from their rows, in one batch."""
        found = await self.table.batch_get(
            [keys.inbox_key(m.uuid, group.group_uuid) for m in group.members],
            projection=f"{USER_UUID}, {READ_SK}, {READ_AT}",
        )
        return {
            str(row[USER_UUID]["S"]): (row.get(READ_SK, {}).get("S"), row.get(READ_AT, {}).get("S"))
            for row in found
        }

    async def _transact(self, writes: list[dict[str, Any]], token: str) -> None:
        try:
            await self.table.call(
                "TransactWriteItems",
                # A retried request with the same token is a no-op, not a failed condition.
                {"TransactItems": writes, "ClientRequestToken": token},
                passthrough=(TRANSACTION_CANCELED,),
            )
        except DynamoError as exc:
            reasons = cancellation_codes(exc)
            raise Conflict(
                "the group changed meanwhile; try again"
                if CONDITION_FAILED in reasons
                else "the change collided with another write; try again"
            ) from exc
