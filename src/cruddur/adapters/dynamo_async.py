"""The API's page reads (patterns A, B and E) on aiobotocore, awaited on the event loop.

With boto3 each read would take a trip through the thread pool: two thread wake-ups per request,
measured at ~0.4 ms on the benchmark's machine, more than the rest of the HTTP layer. The
requests and pages are the store's own (`dynamo_queries.py`); so are the typed errors and the
capacity meter. Writes stay on boto3: they are not the hot path, and the stream processor and
the CLI share them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any

from cruddur.adapters import dynamo_items as items
from cruddur.adapters import dynamo_queries as queries
from cruddur.adapters.capacity import CapacityMeter
from cruddur.adapters.dynamo_table import translated
from cruddur.domain import keys
from cruddur.domain.model import InboxEntry, Message

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient as AsyncDynamoDBClient


class AsyncReads:
    def __init__(self, client: AsyncDynamoDBClient, table: str, meter: CapacityMeter) -> None:
        self.client = client
        self.table = table
        self.meter = meter

    async def query_messages(
        self, group_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[Message], keys.Key | None]:
        args = queries.messages_query(self.table, group_uuid, limit, start)
        return queries.messages_page(await self._call(self.client.query(**args)), limit)

    async def query_inbox(
        self, owner_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[InboxEntry], keys.Key | None]:
        args = queries.inbox_query(self.table, owner_uuid, limit, start)
        return queries.inbox_page(await self._call(self.client.query(**args)), limit)

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        args = queries.get_args(self.table, keys.inbox_key(owner_uuid, group_uuid))
        item = (await self._call(self.client.get_item(**args))).get("Item")
        return None if item is None else items.inbox_from_item(item)

    async def _call(self, operation: Awaitable[Mapping[str, Any]]) -> dict[str, Any]:
        """DynamoTable.call for an awaited call: typed errors, metered capacity."""
        with translated(self.table):
            response = dict(await operation)
        self.meter.add(response.get("ConsumedCapacity"))
        return response
