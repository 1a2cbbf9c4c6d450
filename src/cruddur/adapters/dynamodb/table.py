"""One table behind one blocking wire: the ops CLI, the stream processor, the data keys.

Both tables (this one and `async_table.AsyncTable`) speak through `TableCore`: capacity asked
for and metered, errors translated, a missing table made on first use where allowed. What they
run is built in `operations.py`, which does no I/O; they only move its calls over their wire.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from cruddur.adapters.dynamodb import operations
from cruddur.adapters.dynamodb.attributes import Item
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.errors import translate_code
from cruddur.adapters.dynamodb.operations import Operation
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain.keys import Key
from cruddur.errors import TableMissing

T = TypeVar("T")


class BlockingWire(Protocol):
    """What the blocking table needs of a transport: one call, DynamoDB JSON in and out."""

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]: ...


class TableCore:
    """What both tables share: the name, the meter, the translation of errors."""

    def __init__(
        self,
        name: str,
        meter: CapacityMeter | None = None,
        create_missing: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.meter = meter if meter is not None else CapacityMeter()
        # DynamoDB Local only (the stacks make every table on AWS): a table made on first use.
        self.create_missing = create_missing

    def _received(self, action: str, answer: dict[str, Any]) -> dict[str, Any]:
        self.meter.add(answer.get("ConsumedCapacity"), write=action in operations.WRITES)
        return answer

    def _made_missing(self, exc: TableMissing) -> None:
        """Make the missing table when allowed (then the call is tried once more); else raise."""
        if self.create_missing is None:
            raise exc
        self.create_missing()


class DynamoTable(TableCore):
    def __init__(
        self,
        wire: BlockingWire,
        table: str,
        meter: CapacityMeter | None = None,
        create_missing: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(table, meter, create_missing)
        self.wire = wire

    def call(
        self, action: str, payload: dict[str, Any], passthrough: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """One DynamoDB call. Errors whose code is in `passthrough` stay DynamoError for the
        caller to read; every other failure becomes a typed error."""
        payload = operations.metered(action, payload)
        try:
            with translated(self.name, passthrough):
                answer = self.wire.call(action, payload)
        except TableMissing as exc:
            self._made_missing(exc)
            with translated(self.name, passthrough):
                answer = self.wire.call(action, payload)
        return self._received(action, answer)

    def run(self, operation: Operation[T], passthrough: tuple[str, ...] = ()) -> T:
        """Drive an operation of `operations` to its result; a passthrough refusal is thrown
        into it, for it to read or let go."""
        step = next(operation)
        while True:
            try:
                answer = self.call(*step, passthrough)
            except DynamoError as exc:
                step = operation.throw(exc)
                continue
            try:
                step = operation.send(answer)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    def each_item(self, action: str, request: dict[str, Any]) -> Iterator[Item]:
        """Every item of a Query or Scan, read a page at a time as the caller goes."""
        page: dict[str, Any] | None = request
        while page is not None:
            answer = self.call(action, page)
            yield from answer.get("Items", [])
            page = operations.next_page(page, answer)

    def put_new(self, item: Item, passthrough: tuple[str, ...] = ()) -> None:
        """Write an item whose key must be new (the condition fails on an existing one)."""
        self.call("PutItem", operations.put_new(self.name, item), passthrough)

    def get(self, key: Key, projection: str | None = None) -> Item | None:
        item = self.call("GetItem", operations.get(self.name, key, projection)).get("Item")
        return None if item is None else dict(item)

    def batch_get(
        self, wanted: list[Key], projection: str | None = None, *, consistent: bool = False
    ) -> list[Item]:
        """The items of these keys that exist, in no particular order."""
        return self.run(operations.batch_get(self.name, wanted, projection, consistent=consistent))


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
