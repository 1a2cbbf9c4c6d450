"""One table behind one injected client: calls are metered and their errors translated."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from cruddur.adapters import dynamo_items as items
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
        try:
            response = dict(operation())
        except ClientError as exc:
            if error_code(exc) in passthrough:
                raise
            raise translate(exc, self.table) from exc
        except BotoCoreError as exc:
            raise translate(exc, self.table) from exc
        self.meter.add(response.get("ConsumedCapacity"), write=write)
        return response

    def get(self, key: Key, projection: str | None = None) -> items.Item | None:
        args: dict[str, Any] = {
            "TableName": self.table,
            "Key": items.to_attrs(key),
            "ConsistentRead": True,
            "ReturnConsumedCapacity": "TOTAL",
        }
        if projection:
            args["ProjectionExpression"] = projection
        item = self.call(lambda: self.client.get_item(**args)).get("Item")
        return None if item is None else dict(item)
