"""What of one account the table holds outside its messages: its inbox rows, pins and blocks,
and its name on the other members' rows. Erasure deletes these (a few items per conversation);
the messages stay, their text and names sealed under a key that erasure destroys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from cruddur.adapters.dynamodb import block_items, operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import (
    ERASED,
    ERASED_HANDLE,
    ERASED_NAME,
    GROUP_UUID,
    OTHER_USER_DISPLAY_NAME,
    OTHER_USER_HANDLE,
    OTHER_USER_UUID,
    Item,
    s,
)
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import Block, UserRef

AT_ONCE = 16  # deletions in flight together


class AccountData:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table

    async def conversations(self, owner_uuid: str) -> list[tuple[str, str]]:
        """(group, other member) of every inbox row of the owner: archived, hidden, all."""
        found = []
        for item in await self._query(keys.inbox_pk(owner_uuid), keys.INBOX_PREFIX):
            found.append((item[GROUP_UUID]["S"], item[OTHER_USER_UUID]["S"]))
        return found

    async def forget(
        self, owner_uuid: str, conversations: Sequence[tuple[str, str]], erased_at: str
    ) -> int:
        """The owner's rows, pins and blocks deleted, and the blocks of them by the others
        they talked with; on those others' rows they are "Deleted account". Items changed."""
        doomed = [keys.inbox_key(owner_uuid, group) for group, _ in conversations]
        doomed += [keys.pins_key(owner_uuid), keys.legacy_pins_key(owner_uuid)]
        doomed += [
            {keys.PK: item[keys.PK]["S"], keys.SK: item[keys.SK]["S"]}
            for item in await self._query(keys.blocks_pk(owner_uuid), keys.USER_PREFIX)
        ]
        doomed += [keys.block_key(other, owner_uuid) for _, other in conversations]
        for start in range(0, len(doomed), AT_ONCE):
            await asyncio.gather(*(self._delete(key) for key in doomed[start : start + AT_ONCE]))
        # A deleted account takes no messages: it "blocks" each member it talked with, so a
        # send into the conversation is refused (403) through the one block check of the send
        # path, in every process. The item names the other member by uuid only.
        stops = [self._stop(owner_uuid, other, erased_at) for _, other in conversations]
        renamed = [self._rename(keys.inbox_key(other, group)) for group, other in conversations]
        changes = stops + renamed
        for start in range(0, len(changes), AT_ONCE):
            await asyncio.gather(*changes[start : start + AT_ONCE])
        return len(doomed) + len(changes)

    async def _stop(self, owner_uuid: str, other_uuid: str, erased_at: str) -> None:
        block = Block(owner_uuid, UserRef(other_uuid, "", ""), erased_at)
        item = {**block_items.block_item(block), ERASED: {"BOOL": True}}
        await self.table.call("PutItem", operations.put(self.table.name, item))

    async def _query(self, partition: str, prefix: str) -> list[Item]:
        request = operations.query(self.table.name, partition, prefix=prefix)
        return await self.table.every_item("Query", request)

    async def _delete(self, key: keys.Key) -> None:
        await self.table.call("DeleteItem", operations.delete(self.table.name, key))

    async def _rename(self, key: keys.Key) -> None:
        update = operations.update(
            self.table.name,
            key,
            f"SET {OTHER_USER_HANDLE} = :handle, {OTHER_USER_DISPLAY_NAME} = :name",
            {
                ":handle": s(ERASED_HANDLE),
                ":name": s(ERASED_NAME),
            },
            condition=f"attribute_exists({keys.PK})",
        )
        try:
            await self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))
        except DynamoError:
            return  # the other member's row is gone too (erased, or never made)
