"""`cruddur stream redrive`: what the stream processor gave up on, applied again.

Locally, the poller's dead letters hold whole records: each is applied again, and one that
still fails has its conversation rebuilt from the table (`InboxRepair`) instead. On AWS the
Lambda's on-failure queue holds only where a failed batch was on the stream (shard, first and
last sequence number): its records are read again while the stream still holds them (24 hours),
and after that, every conversation with activity in the batch's time window is rebuilt. An
entry or a queue message is removed only once that succeeded, so a redrive that stops half-way
is simply run again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cruddur.adapters.dynamodb.stores.inbox_repair import InboxRepair
from cruddur.adapters.dynamodb.wire import DynamoError, SyncWire
from cruddur.domain.clock import format_timestamp
from cruddur.stream.checkpoints import DeadLetters
from cruddur.stream.processor import InboxWriter, process_records
from cruddur.stream.records import MalformedRecord, Record, message_of, sequence_number

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger(__name__)
# A lost batch's records arrived in its window; a message's created_at is set by the API a
# moment before the write, and an edit's edited_at likewise: a margin either side.
WINDOW_MARGIN = timedelta(minutes=5)
MAX_READS = 100  # GetRecords calls to find one batch's records, at most
# The stream no longer has the records: trimmed (past 24 hours), or the shard is gone.
LOST = {"TrimmedDataAccessException", "ResourceNotFoundException"}


@dataclass
class RedriveReport:
    batches: int = 0  # dead letters or queue messages handled
    reapplied: int = 0  # records applied again
    repaired: int = 0  # conversations rebuilt instead
    rows_changed: int = 0
    left: int = 0  # failed again: kept for the next run

    def line(self) -> str:
        return (
            f"{self.batches} failed batches redriven: {self.reapplied} records applied again, "
            f"{self.repaired} conversations rebuilt ({self.rows_changed} rows changed), "
            f"{self.left} left for the next run"
        )


class Redrive:
    def __init__(self, inbox: InboxWriter, repair: InboxRepair) -> None:
        self.inbox = inbox
        self.repair = repair
        self.report = RedriveReport()

    # -- the local poller's dead letters ----------------------------------------------------
    def dead_letters(self, store: DeadLetters) -> RedriveReport:
        done = set()
        for entry in store.entries():
            self.report.batches += 1
            if self._apply([entry["record"]]):
                done.add(str(entry["sequence_number"]))
            else:
                self.report.left += 1
        store.remove(done)
        return self.report

    # -- the Lambda's on-failure queue -------------------------------------------------------
    def queue(
        self, sqs: SQSClient, queue_url: str, streams: SyncWire, *, most: int = 1000
    ) -> RedriveReport:
        """Every message on the queue (up to `most`), each deleted once its batch is mended."""
        seen: set[str] = set()
        while len(seen) < most:
            received = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                VisibilityTimeout=300,  # ours while we work on it; back on the queue if we fail
            ).get("Messages", [])
            fresh = [m for m in received if m["MessageId"] not in seen]
            if not fresh:
                return self.report
            for message in fresh:
                seen.add(message["MessageId"])
                self.report.batches += 1
                if self._mend_batch(message.get("Body", ""), streams):
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                else:
                    self.report.left += 1
        return self.report

    def _mend_batch(self, body: str, streams: SyncWire) -> bool:
        try:
            info = json.loads(body)["DDBStreamBatchInfo"]
            arn, shard = str(info["streamArn"]), str(info["shardId"])
            first, last = str(info["startSequenceNumber"]), str(info["endSequenceNumber"])
            int(first), int(last)
        except (ValueError, KeyError, TypeError):
            log.error("a queue message that is not a Lambda stream failure: left on the queue")
            return False
        try:
            records = _batch_records(streams, arn, shard, first, last)
        except DynamoError as exc:
            if exc.code not in LOST:
                log.error(
                    "shard %s: the stream refused the read (%s): left on the queue", shard, exc
                )
                return False
            log.warning(
                "shard %s: records %s..%s are no longer on the stream; rebuilding the "
                "conversations active in the batch's window",
                shard,
                first,
                last,
            )
            return self._repair_window(info)
        return self._apply(records)

    def _repair_window(self, info: dict[str, Any]) -> bool:
        try:
            start = _parse(info["approximateArrivalOfFirstRecord"]) - WINDOW_MARGIN
            end = _parse(info["approximateArrivalOfLastRecord"]) + WINDOW_MARGIN
        except (KeyError, ValueError):
            log.error("a lost batch without its arrival times: left on the queue")
            return False
        groups = self.repair.groups_active_between(format_timestamp(start), format_timestamp(end))
        return all([self._rebuild(group) for group in groups])

    # -- both --------------------------------------------------------------------------------
    def _apply(self, records: Sequence[Record]) -> bool:
        """Apply records again; those that still fail have their conversation rebuilt."""
        result = process_records(records, self.inbox)
        failed = set(result.failed)
        self.report.reapplied += len(records) - len(failed)
        ok = True
        for record in records:
            if sequence_number(record) not in failed:
                continue
            try:
                message = message_of(record)
            except MalformedRecord:
                log.error("record %s is unreadable: left for an operator", sequence_number(record))
                ok = False
                continue
            ok = message is not None and self._rebuild(message.group_uuid) and ok
        return ok

    def _rebuild(self, group_uuid: str) -> bool:
        outcome = self.repair.repair(group_uuid)
        if outcome.skipped:
            log.error("group %s could not be rebuilt: %s", group_uuid, outcome.skipped)
            return False
        self.report.repaired += 1
        self.report.rows_changed += len(outcome.repairs)
        return True


def _batch_records(
    streams: SyncWire, arn: str, shard: str, first: str, last: str
) -> list[dict[str, Any]]:
    """The records first..last of a shard, read again from the stream. Sequence numbers are
    compared as numbers and sent back as given (DynamoDB wants them at their full width)."""
    iterator: str | None = streams.call(
        "GetShardIterator",
        {
            "StreamArn": arn,
            "ShardId": shard,
            "ShardIteratorType": "AT_SEQUENCE_NUMBER",
            "SequenceNumber": first,
        },
    )["ShardIterator"]
    found: list[dict[str, Any]] = []
    for _ in range(MAX_READS):
        if iterator is None:
            break
        response = streams.call("GetRecords", {"ShardIterator": iterator, "Limit": 1000})
        for record in response.get("Records", []):
            seq = int(sequence_number(record))
            if seq > int(last):
                return found
            if seq >= int(first):
                found.append(dict(record))
        iterator = response.get("NextShardIterator")
        if found and not response.get("Records"):
            break  # at the shard's tip: the rest of the batch was filtered out or never came
    return found


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))
