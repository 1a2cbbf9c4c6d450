"""Each person's push devices: a few at most, the oldest dropped past the cap, each one gone by
DynamoDB's TTL unless renewed (a browser subscribes again whenever the web app starts)."""

from __future__ import annotations

import asyncio

from cruddur.adapters.dynamodb import operations, push_items
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.domain import keys
from cruddur.domain.model import PushDevice


class PushDevices:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table

    async def add(self, user_uuid: str, device: PushDevice, most: int) -> list[PushDevice]:
        """Keep (or renew) this device; past `most`, those subscribed longest ago are dropped:
        which ones."""
        item = push_items.device_item(user_uuid, device)
        await self.table.call("PutItem", operations.put(self.table.name, item))
        others = [d for d in await self.of(user_uuid) if d.endpoint != device.endpoint]
        dropped = sorted(others, key=lambda d: d.subscribed_at)[: max(0, len(others) + 1 - most)]
        await asyncio.gather(*(self.remove(user_uuid, d.endpoint) for d in dropped))
        return dropped

    async def of(self, user_uuid: str) -> list[PushDevice]:
        """This person's devices, longest subscribed first; expired ones too (TTL deletes them
        within days, not at once: the caller leaves them out)."""
        request = operations.query(self.table.name, keys.push_pk(user_uuid))
        items = await self.table.every_item("Query", request)
        found = [push_items.device_from_item(item) for item in items]
        return sorted(found, key=lambda device: device.subscribed_at)

    async def remove(self, user_uuid: str, endpoint: str) -> None:
        key = keys.push_device_key(user_uuid, endpoint)
        await self.table.call("DeleteItem", operations.delete(self.table.name, key))

    async def remove_all(self, user_uuid: str) -> int:
        devices = await self.of(user_uuid)
        await asyncio.gather(*(self.remove(user_uuid, d.endpoint) for d in devices))
        return len(devices)
