"""One table behind one wire: calls are metered and their errors translated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cruddur.adapters.dynamodb import items, requests
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.errors import translate_code
from cruddur.adapters.dynamodb.wire import DynamoError, SyncWire
from cruddur.domain.keys import Key


class DynamoTable:
    def __init__(self, wire: SyncWire, table: str, meter: CapacityMeter | None = None) -> None:
        self.wire = wire
        self.name = table
        self.meter = meter if meter is not None else CapacityMeter()

    def call(
        self,
        action: str,
        payload: dict[str, Any],
        passthrough: tuple[str, ...] = (),
        *,
        write: bool = False,
    ) -> dict[str, Any]:
        """One DynamoDB call. Errors whose code is in `passthrough` stay DynamoError for the
        caller to read; every other failure becomes a typed error."""
        with translated(self.name, passthrough):
            response = self.wire.call(action, payload)
        self.meter.add(response.get("ConsumedCapacity"), write=write)
        return response

    def put_new(self, item: items.Item, passthrough: tuple[str, ...] = ()) -> None:
        """Write an item whose key must be new (the condition fails on an existing one)."""
        self.call("PutItem", requests.put_new_args(self.name, item), passthrough, write=True)

    def get(self, key: Key, projection: str | None = None) -> items.Item | None:
        item = self.call("GetItem", requests.get_args(self.name, key, projection)).get("Item")
        return None if item is None else dict(item)


@contextmanager
def translated(table: str, passthrough: tuple[str, ...] = ()) -> Iterator[None]:
    """DynamoDB's refusals become typed errors, except those whose code is in `passthrough`.
    A context manager, so the awaited calls share it around an `await`."""
    try:
        yield
    except DynamoError as exc:
        if exc.code in passthrough:
            raise
        raise translate_code(exc.code, table) from exc
