"""One table behind one injected client: calls are metered and their errors translated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from cruddur.adapters import dynamo_items as items
from cruddur.adapters import dynamo_queries as queries
from cruddur.adapters.capacity import CapacityMeter
from cruddur.adapters.dynamo_errors import error_code, translate
from cruddur.domain.keys import Key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoTable:
    def __init__(
        self, client: DynamoDBClient, table: str, meter: CapacityMeter | None = None
    ) -> None:
        self.client = client
        self.table = table
        self.meter = meter if meter is not None else CapacityMeter()

    def call(
        self,
        operation: Callable[[], Any],
        passthrough: tuple[str, ...] = (),
        *,
        write: bool = False,
    ) -> dict[str, Any]:
        """Run one DynamoDB call. Codes in `passthrough` stay ClientError for the caller to read;
        every other failure becomes a typed error."""
        with translated(self.table, passthrough):
            response = dict(operation())
        self.meter.add(response.get("ConsumedCapacity"), write=write)
        return response

    def get(self, key: Key, projection: str | None = None) -> items.Item | None:
        args = queries.get_args(self.table, key, projection)
        item = self.call(lambda: self.client.get_item(**args)).get("Item")
        return None if item is None else dict(item)


@contextmanager
def translated(table: str, passthrough: tuple[str, ...] = ()) -> Iterator[None]:
    """Low-level failures of the calls inside become typed errors, except ClientErrors whose code
    is in `passthrough`. A context manager, so the async reads share it around an `await`."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) in passthrough:
            raise
        raise translate(exc, table) from exc
    except BotoCoreError as exc:
        raise translate(exc, table) from exc
