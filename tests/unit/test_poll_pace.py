"""The local poller's pace: one read of the stream per interval, busy or quiet (each read then
brings a whole interval's messages, and each conversation's rows are updated once for them);
a full batch is a backlog, and the next read follows at once. Counted, not timed: the poller
waits on a stop event that records each wait and ends the run after a number of them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cruddur.domain.model import InboxChange
from cruddur.stream.checkpoints import Checkpoints, DeadLetters
from cruddur.stream.poller import StreamPoller

ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x"
INTERVAL = 0.1


class Stop:
    """`threading.Event` as the poller uses it: records how long each wait was to last (none
    happens for real) and is set after `waits` of them."""

    def __init__(self, waits: int = 10_000) -> None:
        self.most = waits
        self.waits: list[float] = []
        self.stopped = False

    def is_set(self) -> bool:
        return self.stopped

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        self.stopped = self.stopped or len(self.waits) >= self.most
        return self.stopped


class Stream:
    """A stream that always has `per_read` more records (of items that are not messages: the
    processor reads and skips them); counts the reads."""

    def __init__(self, per_read: int, stop: Stop, reads_at_most: int = 10_000) -> None:
        self.per_read = per_read
        self.reads = 0
        self.sequence = 0
        self.stop = stop
        self.reads_at_most = reads_at_most

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action == "DescribeStream":
            return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}
        if action == "GetShardIterator":
            return {"ShardIterator": "it"}
        assert action == "GetRecords"
        self.reads += 1
        if self.reads >= self.reads_at_most:
            self.stop.stopped = True
        records = []
        for _ in range(self.per_read):
            self.sequence += 1
            keys = {"pk": {"S": "IDEMPOTENCY#someone"}, "sk": {"S": f"KEY#{self.sequence}"}}
            change = {"SequenceNumber": f"{self.sequence:021d}", "Keys": keys}
            records.append({"eventName": "INSERT", "dynamodb": change})
        return {"Records": records, "NextShardIterator": "it"}


class NoInbox:
    def group_members(
        self, group_uuid: str, written_at: float | None
    ) -> list[tuple[str, str]] | None:
        return []

    def apply_inbox_change(self, change: InboxChange) -> bool:
        raise AssertionError("no record here is a message")

    def apply_inbox_changes(self, changes: Sequence[InboxChange]) -> int:
        raise AssertionError("no record here is a message")


def _run(stream: Stream, stop: Stop, tmp_path: Path, batch_limit: int) -> None:
    poller = StreamPoller(
        stream,  # type: ignore[arg-type]  # the one method the poller calls on its wire
        ARN,
        NoInbox(),
        Checkpoints(tmp_path / "checkpoints.json"),
        DeadLetters(tmp_path / "dead-letters.jsonl"),
        poll_interval=INTERVAL,
        batch_limit=batch_limit,
    )
    poller.run(stop)  # type: ignore[arg-type]  # the two methods the poller calls on it


def test_a_busy_stream_is_read_once_per_interval(tmp_path):
    stop = Stop(waits=5)
    stream = Stream(per_read=3, stop=stop)
    _run(stream, stop, tmp_path, batch_limit=1000)
    # A wait of (most of) an interval after every read; reading on at once after each
    # non-empty batch, as before, made thousands of reads and no wait.
    assert stream.reads == 5
    assert len(stop.waits) == 5
    assert all(0 <= wait <= INTERVAL for wait in stop.waits)
    assert sum(stop.waits) > 0


def test_a_backlog_is_read_without_waiting(tmp_path):
    stop = Stop()
    stream = Stream(per_read=50, stop=stop, reads_at_most=25)
    _run(stream, stop, tmp_path, batch_limit=50)  # every batch is full
    assert stream.reads == 25
    assert stop.waits == []
