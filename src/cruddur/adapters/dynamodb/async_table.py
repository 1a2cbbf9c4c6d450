"""The API's data plane: every read and write of a request awaited on the event loop.

With a blocking client each call would take a trip through the thread pool (two thread
wake-ups per call). The operations are the blocking table's (`operations.py`, driven here
over the awaited wire); errors become the same typed errors, and consumed capacity goes to the
same meter (`table.TableCore`).
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from cruddur.adapters.dynamodb import operations, reads, text_sealer
from cruddur.adapters.dynamodb.async_wire import AsyncWire
from cruddur.adapters.dynamodb.attributes import Item
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.operations import Operation
from cruddur.adapters.dynamodb.table import TableCore, translated
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain.keys import Key

T = TypeVar("T")


class AsyncTable(TableCore):
    """One table behind the awaited wire: calls are metered, their errors translated, and the
    data keys of sealed values in an answer loaded before anything opens them."""

    def __init__(
        self,
        wire: AsyncWire,
        table: str,
        sealer: text_sealer.TextSealer,
        meter: CapacityMeter | None = None,
    ) -> None:
        super().__init__(table, meter)
        self.wire = wire
        self.sealer = sealer

    async def call(
        self, action: str, payload: dict[str, Any], passthrough: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """DynamoTable.call, awaited: the same translation of errors, the same meter."""
        with translated(self.name, passthrough):
            answer = await self.wire.call(action, operations.metered(action, payload))
        self._received(action, answer)
        # A generation of data key this process has not unwrapped yet (new, or made by another
        # process): unwrapping reads its item and calls KMS, so it runs off the event loop.
        unknown = self.sealer.unknown_keys(reads.sealed_values(answer))
        if unknown:
            await asyncio.to_thread(self.sealer.load_keys, unknown)
        return answer

    async def run(self, operation: Operation[T], passthrough: tuple[str, ...] = ()) -> T:
        """DynamoTable.run, awaited."""
        step = next(operation)
        while True:
            try:
                answer = await self.call(*step, passthrough)
            except DynamoError as exc:
                step = operation.throw(exc)
                continue
            try:
                step = operation.send(answer)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    async def every_item(self, action: str, request: dict[str, Any]) -> list[Item]:
        return await self.run(operations.every_item(action, request))

    async def put_new(self, item: Item, passthrough: tuple[str, ...] = ()) -> None:
        """Write an item whose key must be new (the condition fails on an existing one)."""
        await self.call("PutItem", operations.put_new(self.name, item), passthrough)

    async def get(self, key: Key, projection: str | None = None) -> Item | None:
        answer = await self.call("GetItem", operations.get(self.name, key, projection))
        item = answer.get("Item")
        return None if item is None else dict(item)

    async def batch_get(self, wanted: list[Key], projection: str | None = None) -> list[Item]:
        """The items of these keys that exist, in no particular order."""
        return await self.run(operations.batch_get(self.name, wanted, projection))

    async def ready_to_seal(self, author: str | None = None) -> None:
        """The keys new text is sealed under (the data key; the author's), looked up off the
        loop when due (at start, then every few minutes; an author's at their first words here:
        it reads the tables, and may call KMS)."""
        if not self.sealer.sealing_ready(author):
            await asyncio.to_thread(self.sealer.prepare_sealing, author)

    async def close(self) -> None:
        await self.wire.close()
