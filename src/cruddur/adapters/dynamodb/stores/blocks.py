"""Blocks: one item per (owner, blocked user), and the owner's inbox row hidden while it stands.

`BLOCK#{owner}` / `USER#{blocked}` lists whom a user blocks (one Query) and answers "is there
a block between these two?" in one BatchGetItem of both directions. Hiding the owner's row
sets `hidden` on it; the inbox query filters those out. Block and hide are one transaction
when the two have a conversation, so a block never stands with its row still shown.
"""

from __future__ import annotations

from typing import Any

from cruddur.adapters.dynamodb import items
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.domain import keys
from cruddur.domain.model import Block
from cruddur.errors import Conflict


class BlockTable:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table

    async def block(self, block: Block, group_uuid: str | None) -> None:
        """Idempotent: blocking again only moves the block's time."""
        put: dict[str, Any] = {"TableName": self.table.name, "Item": items.block_item(block)}
        transact: list[Any] = [{"Put": put}]
        if group_uuid is not None:
            transact.append(self._row(block.owner_uuid, group_uuid, f"SET {items.HIDDEN} = :true"))
        await self._transact(transact)

    async def unblock(self, owner_uuid: str, blocked_uuid: str, group_uuid: str | None) -> None:
        delete = {
            "TableName": self.table.name,
            "Key": items.to_attrs(keys.block_key(owner_uuid, blocked_uuid)),
        }
        transact: list[Any] = [{"Delete": delete}]
        if group_uuid is not None:
            transact.append(self._row(owner_uuid, group_uuid, f"REMOVE {items.HIDDEN}"))
        await self._transact(transact)

    async def blocks_of(self, owner_uuid: str) -> list[Block]:
        """Everyone `owner_uuid` blocks, in key order (rate-limited, so few: one list)."""
        found: list[Block] = []
        start: dict[str, Any] | None = None
        while True:
            args: dict[str, Any] = {
                "TableName": self.table.name,
                "KeyConditionExpression": f"{keys.PK} = :pk",
                "ExpressionAttributeValues": {":pk": items.s(keys.blocks_pk(owner_uuid))},
                "ConsistentRead": True,
                "ReturnConsumedCapacity": "TOTAL",
            }
            if start is not None:
                args["ExclusiveStartKey"] = start
            response = await self.table.call("Query", args)
            found.extend(items.block_from_item(item) for item in response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if start is None:
                return found

    async def blockers_between(self, user_a: str, user_b: str) -> set[str]:
        """Which of the two block the other: one BatchGetItem of both directions."""
        found = await self.table.batch_get(
            [keys.block_key(user_a, user_b), keys.block_key(user_b, user_a)],
            projection=items.USER_UUID,
        )
        return {str(item[items.USER_UUID]["S"]) for item in found}

    def _row(self, owner_uuid: str, group_uuid: str, expression: str) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self.table.name,
            "Key": items.to_attrs(keys.inbox_key(owner_uuid, group_uuid)),
            "UpdateExpression": expression,
            "ConditionExpression": f"attribute_exists({keys.PK})",
        }
        if ":true" in expression:
            update["ExpressionAttributeValues"] = {":true": {"BOOL": True}}
        return {"Update": update}

    async def _transact(self, transact: list[Any]) -> None:
        try:
            await self.table.call(
                "TransactWriteItems",
                {"TransactItems": transact, "ReturnConsumedCapacity": "TOTAL"},
                write=True,
            )
        except Conflict as exc:
            raise Conflict("blocking collided with another change; try again") from exc
