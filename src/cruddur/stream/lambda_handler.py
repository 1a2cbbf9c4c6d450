"""AWS Lambda runner: an event source mapping with ReportBatchItemFailures on.

Configure the mapping with a bounded MaximumRetryAttempts, BisectBatchOnFunctionError and an
on-failure destination (SQS) so a poison record reaches a dead-letter queue and later ones flow.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cruddur.adapters.dynamo_store import DynamoStore
from cruddur.bootstrap import build_store
from cruddur.config import Settings
from cruddur.stream.processor import process_records


@cache
def _store() -> DynamoStore:
    # Built once per container, reused by every invocation it serves.
    return build_store(Settings())


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    result = process_records(event.get("Records", []), _store())
    return result.batch_item_failures()
