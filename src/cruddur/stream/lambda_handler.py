"""AWS Lambda runner: an event source mapping with ReportBatchItemFailures on.

The mapping (infra/, stream stack) filters to message inserts, bisects a failing batch, retries
a bounded number of times and sends what still fails to an SQS on-failure destination, so a
poison record never holds back later ones.

Lean on purpose: this module imports the processor, the inbox writer, the RESP publisher and
botocore and urllib3 (which the runtime provides), and nothing of the web app, SQL or password
hashing.
`make lambda` packages exactly what importing it loads.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import Any

from cruddur.adapters.aws_clients import dynamodb_wire
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.heap import freeze_startup_heap
from cruddur.live_events.resp import RedisPublisher
from cruddur.metrics import emf
from cruddur.production import check_region
from cruddur.stream.processor import BatchResult, InboxWriter, process_records
from cruddur.stream.publishing import PublishingInbox
from cruddur.stream.settings import StreamSettings


@cache
def _inbox() -> InboxWriter:
    # Built once per container, on its first invocation, and reused by every later one.
    settings = StreamSettings.from_environ(os.environ)
    if settings.aws_endpoint_url is None:  # on AWS: user data stays in the allowed regions
        check_region(settings.aws_region, settings.allowed_region_list)
    wire = dynamodb_wire(settings.aws_region, settings.aws_endpoint_url)
    store = InboxUpdates(DynamoTable(wire, settings.table_name))
    if settings.redis_url is None:
        return store
    # With a cache in the VPC, open pages hear of their inbox changes as with the local poller.
    return PublishingInbox(store, RedisPublisher(settings.redis_url))


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    result = process_records(event.get("Records", []), _inbox())
    # The batch's figures as one EMF line on stdout: CloudWatch makes metrics of it.
    sys.stdout.write(batch_metrics(result) + "\n")
    sys.stdout.flush()
    return result.batch_item_failures()


def batch_metrics(result: BatchResult) -> str:
    failed = len(result.failed)
    metrics: dict[str, tuple[emf.Value, str]] = {
        "StreamRecords": (result.records, "Count"),
        "RecordsApplied": (result.messages - failed, "Count"),
        "RecordsFailed": (failed, "Count"),
        # Failed for good: after its retries the mapping sends them to the on-failure queue.
        "DeadLetters": (len(result.poisoned), "Count"),
    }
    if result.lags_ms:
        metrics["StreamLag"] = (emf.sample(result.lags_ms), "Milliseconds")
    return emf.line({"Service": "stream"}, metrics)


freeze_startup_heap()
