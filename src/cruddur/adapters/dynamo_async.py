"""The API's page reads (patterns A, B and E) on aiodynamo, awaited on the event loop.

With boto3 each read would take a trip through the thread pool (two thread wake-ups, ~0.4 ms on
the benchmark's machine). aiodynamo's `send_request` sends the store's own requests
(`dynamo_queries.py`) and hands back DynamoDB's JSON as it came, which is what the page
functions read: it skips botocore's model-driven serialising and parsing, measured at ~2 ms of a
3.7 ms page query on that machine. Errors become the same typed errors as the store's, and
consumed capacity goes to the same meter. Writes stay on boto3: they are not the hot path, and
the stream processor and the CLI share them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
from aiodynamo.client import Client
from aiodynamo.errors import ERRORS, AIODynamoError

from cruddur.adapters import dynamo_items as items
from cruddur.adapters import dynamo_queries as queries
from cruddur.adapters.capacity import CapacityMeter
from cruddur.adapters.dynamo_errors import translate_code
from cruddur.domain import keys
from cruddur.domain.model import InboxEntry, Message
from cruddur.errors import Unavailable

# aiodynamo raises one class per DynamoDB error code; the code is what our translation reads.
_CODES: dict[type[Exception], str] = {kind: code for code, kind in ERRORS.items()}


class AsyncReads:
    def __init__(
        self, client: Client, table: str, meter: CapacityMeter, sealer: items.TextSealer
    ) -> None:
        self.client = client
        self.table = table
        self.meter = meter
        self.sealer = sealer

    async def query_messages(
        self, group_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[Message], keys.Key | None]:
        args = queries.messages_query(self.table, group_uuid, limit, start)
        return queries.messages_page(await self._call("Query", args), limit, self.sealer)

    async def query_inbox(
        self, owner_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[InboxEntry], keys.Key | None]:
        fill = queries.inbox_pages(self.table, owner_uuid, limit, start, self.sealer)
        args = next(fill)
        while True:
            try:
                args = fill.send(await self._call("Query", args))
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        args = queries.get_args(self.table, keys.inbox_key(owner_uuid, group_uuid))
        item = (await self._call("GetItem", args)).get("Item")
        return None if item is None else items.inbox_from_item(item, self.sealer)

    async def _call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """DynamoTable.call for an awaited call: typed errors, metered capacity."""
        with translated(self.table):
            response = await self.client.send_request(action=action, payload=payload)
        self.meter.add(response.get("ConsumedCapacity"))
        # A generation of data key this process has not unwrapped yet (new, or made by another
        # process): unwrapping reads its item and calls KMS, so it runs off the event loop.
        unknown = self.sealer.unknown_keys(queries.sealed_values(response))
        if unknown:
            await asyncio.to_thread(self.sealer.load_keys, unknown)
        return response


@contextmanager
def translated(table: str) -> Iterator[None]:
    try:
        yield
    except AIODynamoError as exc:
        raise translate_code(_CODES.get(type(exc), ""), table) from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        # What is left after aiodynamo's retries: DynamoDB could not be reached in time.
        raise Unavailable(f"DynamoDB did not answer: {type(exc).__name__}") from exc
