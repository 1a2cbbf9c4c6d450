"""The API's data plane: every read and write of a request awaited on the event loop.

With a blocking client each call would take a trip through the thread pool (two thread
wake-ups, ~0.4 ms on the benchmark's machine). The requests are the same DynamoDB JSON the
blocking table sends (`table.py`, the stream processor's); errors become the same typed
errors, and consumed capacity goes to the same meter.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cruddur.adapters.dynamodb import items, requests
from cruddur.adapters.dynamodb.async_wire import AsyncWire
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.table import translated
from cruddur.domain.keys import Key
from cruddur.errors import Unavailable

# Unprocessed keys are asked for again this many times (the wire already retries throttling).
BATCH_TRIES = 5


class AsyncTable:
    """One table behind the awaited wire: calls are metered, their errors translated, and the
    data keys of sealed values in an answer loaded before anything opens them."""

    def __init__(
        self,
        wire: AsyncWire,
        table: str,
        sealer: items.TextSealer,
        meter: CapacityMeter | None = None,
    ) -> None:
        self.wire = wire
        self.name = table
        self.sealer = sealer
        self.meter = meter if meter is not None else CapacityMeter()

    async def call(
        self,
        action: str,
        payload: dict[str, Any],
        passthrough: tuple[str, ...] = (),
        *,
        write: bool = False,
    ) -> dict[str, Any]:
        """DynamoTable.call, awaited: the same translation of errors, the same meter."""
        with translated(self.name, passthrough):
            response = await self.wire.call(action, payload)
        self.meter.add(response.get("ConsumedCapacity"), write=write)
        # A generation of data key this process has not unwrapped yet (new, or made by another
        # process): unwrapping reads its item and calls KMS, so it runs off the event loop.
        unknown = self.sealer.unknown_keys(requests.sealed_values(response))
        if unknown:
            await asyncio.to_thread(self.sealer.load_keys, unknown)
        return response

    async def put_new(self, item: items.Item, passthrough: tuple[str, ...] = ()) -> None:
        """Write an item whose key must be new (the condition fails on an existing one)."""
        await self.call("PutItem", requests.put_new_args(self.name, item), passthrough, write=True)

    async def get(self, key: Key, projection: str | None = None) -> items.Item | None:
        answer = await self.call("GetItem", requests.get_args(self.name, key, projection))
        item = answer.get("Item")
        return None if item is None else dict(item)

    async def batch_get(self, wanted: list[Key], projection: str | None = None) -> list[items.Item]:
        """The items of these keys (up to 100) that exist, in no particular order."""
        spec: dict[str, Any] = {"Keys": [items.to_attrs(key) for key in wanted]}
        if projection is not None:
            spec["ProjectionExpression"] = projection
        request: dict[str, Any] = {self.name: spec}
        found: list[items.Item] = []
        for _ in range(BATCH_TRIES):
            response = await self.call(
                "BatchGetItem", {"RequestItems": request, "ReturnConsumedCapacity": "TOTAL"}
            )
            found.extend(dict(item) for item in response.get("Responses", {}).get(self.name, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
        raise Unavailable("DynamoDB kept some keys unprocessed; try again")

    async def ready_to_seal(self, author: str | None = None) -> None:
        """The keys new text is sealed under (the data key; the author's), looked up off the
        loop when due (at start, then every few minutes; an author's at their first words here:
        it reads the tables, and may call KMS)."""
        if not self.sealer.sealing_ready(author):
            await asyncio.to_thread(self.sealer.prepare_sealing, author)

    async def close(self) -> None:
        await self.wire.close()
