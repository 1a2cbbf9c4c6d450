"""Blocks: one item per (owner, blocked user), and the owner's inbox row hidden while it stands.

`BLOCK#{owner}` / `USER#{blocked}` lists whom a user blocks (one Query) and answers "is there
a block between these two?" in one BatchGetItem of both directions. Hiding the owner's row
sets `hidden` on it; the inbox query filters those out. Block and hide are one transaction
when the two have a conversation, so a block never stands with its row still shown.
"""

from __future__ import annotations

from typing import Any

from cruddur.adapters.dynamodb import block_items, operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import HIDDEN, USER_UUID
from cruddur.domain import keys
from cruddur.domain.model import Block
from cruddur.errors import Conflict


class BlockTable:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table

    async def block(self, block: Block, group_uuid: str | None) -> None:
        """Idempotent: blocking again only moves the block's time."""
        put = operations.put(self.table.name, block_items.block_item(block))
        transact: list[Any] = [{"Put": put}]
        if group_uuid is not None:
            transact.append(self._row(block.owner_uuid, group_uuid, f"SET {HIDDEN} = :true"))
        await self._transact(transact)

    async def unblock(self, owner_uuid: str, blocked_uuid: str, group_uuid: str | None) -> None:
        delete = operations.delete(self.table.name, keys.block_key(owner_uuid, blocked_uuid))
        transact: list[Any] = [{"Delete": delete}]
        if group_uuid is not None:
            transact.append(self._row(owner_uuid, group_uuid, f"REMOVE {HIDDEN}"))
        await self._transact(transact)

    async def blocks_of(self, owner_uuid: str) -> list[Block]:
        """Everyone `owner_uuid` blocks, in key order (rate-limited, so few: one list)."""
        request = operations.query(self.table.name, keys.blocks_pk(owner_uuid))
        found = await self.table.every_item("Query", request)
        return [block_items.block_from_item(item) for item in found]

    async def blockers_between(self, user_a: str, user_b: str) -> set[str]:
        """Which of the two block the other: one BatchGetItem of both directions."""
        found = await self.table.batch_get(
            [keys.block_key(user_a, user_b), keys.block_key(user_b, user_a)],
            projection=USER_UUID,
        )
        return {str(item[USER_UUID]["S"]) for item in found}

    def _row(self, owner_uuid: str, group_uuid: str, expression: str) -> dict[str, Any]:
        update = operations.update(
            self.table.name,
            keys.inbox_key(owner_uuid, group_uuid),
            expression,
            {":true": {"BOOL": True}} if ":true" in expression else None,
            condition=f"attribute_exists({keys.PK})",
        )
        return {"Update": update}

    async def _transact(self, transact: list[Any]) -> None:
        try:
            await self.table.call(
                "TransactWriteItems",
                {"TransactItems": transact},
            )
        except Conflict as exc:
            raise Conflict("blocking collided with another change; try again") from exc
