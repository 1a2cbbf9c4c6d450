"""The local poller's pace: one read of the stream per interval, busy or quiet (each read then
brings a whole interval's messages, and each conversation's rows are updated once for them);
a full batch is a backlog, and the next read follows at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from cruddur.domain.model import InboxChange
from cruddur.stream.checkpoints import Checkpoints, DeadLetters
from cruddur.stream.poller import StreamPoller

ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x"
INTERVAL = 0.1
RUN_SECONDS = 0.45


class Stream:
    """A stream that always has `per_read` more records (of items that are not messages: the
    processor reads and skips them); counts the reads."""

    def __init__(self, per_read: int) -> None:
        self.per_read = per_read
        self.reads = 0
        self.sequence = 0

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action == "DescribeStream":
            return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}
        if action == "GetShardIterator":
            return {"ShardIterator": "it"}
        assert action == "GetRecords"
        self.reads += 1
        records = []
        for _ in range(self.per_read):
            self.sequence += 1
            keys = {"pk": {"S": "IDEMPOTENCY#someone"}, "sk": {"S": f"KEY#{self.sequence}"}}
            change = {"SequenceNumber": f"{self.sequence:021d}", "Keys": keys}
            records.append({"eventName": "INSERT", "dynamodb": change})
        return {"Records": records, "NextShardIterator": "it"}


class NoInbox:
    def apply_inbox_change(self, change: InboxChange) -> bool:
        raise AssertionError("no record here is a message")


def _reads_while_running(stream: Stream, tmp_path: Path, batch_limit: int) -> int:
    poller = StreamPoller(
        stream,  # type: ignore[arg-type]  # the one method the poller calls on its wire
        ARN,
        NoInbox(),
        Checkpoints(tmp_path / "checkpoints.json"),
        DeadLetters(tmp_path / "dead-letters.jsonl"),
        poll_interval=INTERVAL,
        batch_limit=batch_limit,
    )
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,))
    thread.start()
    time.sleep(RUN_SECONDS)
    stop.set()
    thread.join(timeout=5)
    return stream.reads


def test_a_busy_stream_is_read_once_per_interval(tmp_path):
    stream = Stream(per_read=3)
    reads = _reads_while_running(stream, tmp_path, batch_limit=1000)
    # 0.45 s at one read per 0.1 s: 5 reads (the first at once). Reading on at once after each
    # non-empty batch, as before, made thousands.
    assert 2 <= reads <= 6


def test_a_backlog_is_read_without_waiting(tmp_path):
    stream = Stream(per_read=50)
    reads = _reads_while_running(stream, tmp_path, batch_limit=50)  # every batch is full
    assert reads > 20
