"""The API's page reads (patterns A, B and E), awaited on the event loop.

With a blocking client each read would take a trip through the thread pool (two thread
wake-ups, ~0.4 ms on the benchmark's machine). The requests are the store's own
(`dynamo_queries.py`), sent as they are over the async wire (`dynamo_wire.py`); errors become
the same typed errors as the store's, and consumed capacity goes to the same meter.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from botocore.credentials import Credentials, RefreshableCredentials

from cruddur.adapters import dynamo_items as items
from cruddur.adapters import dynamo_queries as queries
from cruddur.adapters.capacity import CapacityMeter
from cruddur.adapters.dynamo_table import translated
from cruddur.adapters.dynamo_wire import (
    CONNECT_TIMEOUT,
    POOL_SIZE,
    READ_TIMEOUT,
    DynamoError,
    Endpoint,
    WireProtocol,
)
from cruddur.domain import keys
from cruddur.domain.model import InboxEntry, Message
from cruddur.errors import Unavailable


class AsyncWire(WireProtocol):
    """Awaited calls over an aiohttp session, which belongs to the event loop that opened it."""

    def __init__(
        self, endpoint: Endpoint, credentials: Credentials | None, session: aiohttp.ClientSession
    ) -> None:
        super().__init__(endpoint, credentials)
        self._session = session

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        started, attempt = time.monotonic(), 0
        while True:
            credentials = self.credentials
            if isinstance(credentials, RefreshableCredentials) and credentials.refresh_needed():
                # A refresh is a blocking call to STS or the metadata service: not on the loop.
                await asyncio.to_thread(credentials.get_frozen_credentials)
            body, headers = self._signed(action, payload)
            try:
                async with self._session.post(
                    self.endpoint.url, data=body, headers=headers
                ) as response:
                    return self._answer(response.status, await response.read())
            except DynamoError as exc:
                if not exc.retryable or (wait := self._delay(attempt, started)) is None:
                    raise
            except (TimeoutError, aiohttp.ClientError) as exc:
                if (wait := self._delay(attempt, started)) is None:
                    raise Unavailable(f"DynamoDB did not answer: {type(exc).__name__}") from exc
            await asyncio.sleep(wait)
            attempt += 1


def session() -> aiohttp.ClientSession:
    """An aiohttp session sized and timed like the urllib3 pool; open it inside the loop."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=POOL_SIZE),
        timeout=aiohttp.ClientTimeout(connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT),
    )


class AsyncReads:
    def __init__(
        self, wire: AsyncWire, table: str, meter: CapacityMeter, sealer: items.TextSealer
    ) -> None:
        self.wire = wire
        self.name = table
        self.meter = meter
        self.sealer = sealer

    async def query_messages(
        self, group_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[Message], keys.Key | None]:
        args = queries.messages_query(self.name, group_uuid, limit, start)
        return queries.messages_page(await self._call("Query", args), limit, self.sealer)

    async def query_inbox(
        self, owner_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[InboxEntry], keys.Key | None]:
        fill = queries.inbox_pages(self.name, owner_uuid, limit, start, self.sealer)
        args = next(fill)
        while True:
            try:
                args = fill.send(await self._call("Query", args))
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        args = queries.get_args(self.name, keys.inbox_key(owner_uuid, group_uuid))
        item = (await self._call("GetItem", args)).get("Item")
        return None if item is None else items.inbox_from_item(item, self.sealer)

    async def _call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """DynamoTable.call for an awaited call: typed errors, metered capacity."""
        with translated(self.name):
            response = await self.wire.call(action, payload)
        self.meter.add(response.get("ConsumedCapacity"))
        # A generation of data key this process has not unwrapped yet (new, or made by another
        # process): unwrapping reads its item and calls KMS, so it runs off the event loop.
        unknown = self.sealer.unknown_keys(queries.sealed_values(response))
        if unknown:
            await asyncio.to_thread(self.sealer.load_keys, unknown)
        return response
