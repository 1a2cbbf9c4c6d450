"""The stream batch's log line and the lag metric report one figure, from the messages' own
creation times — never from the records' ApproximateCreationDateTime, which DynamoDB rounds
down (to the minute in DynamoDB Local) and so read up to a minute late."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cruddur.adapters.dynamodb.attributes import MESSAGE_UUID, REV
from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import InboxChange, Message, UserRef
from cruddur.stream.lambda_handler import batch_metrics
from cruddur.stream.processor import process_records
from tests.fakes import ClearSealer
from tests.integration.records import insert_record

ADA = UserRef("a" * 8, "ada", "Ada")
BEN = UserRef("b" * 8, "ben", "Ben")


class Rows:
    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.failing = failing

    def group_members(
        self, group_uuid: str, written_at: float | None
    ) -> list[tuple[str, str]] | None:
        return []

    def apply_inbox_change(self, change: InboxChange) -> bool:
        if change.latest.message_uuid in self.failing:
            raise RuntimeError("throttled")
        return True

    def apply_inbox_changes(self, changes: Sequence[InboxChange]) -> int:
        return sum(self.apply_inbox_change(change) for change in changes)


def sent(seconds_ago: float, sequence_number: int) -> dict[str, Any]:
    message = Message(
        group_uuid=str(uuid.uuid4()),
        message_uuid=str(uuid.uuid4()),
        text="hi",
        created_at=format_timestamp(datetime.now(UTC) - timedelta(seconds=seconds_ago)),
        sender=ADA,
        member_uuids=(ADA.uuid, BEN.uuid),
    )
    record = insert_record(message, sequence_number, ClearSealer())
    # As DynamoDB Local stamps it: the minute the record was made, rounded down — here almost a
    # whole minute before the message was written.
    record["dynamodb"]["ApproximateCreationDateTime"] = time.time() - 59
    return record


def batch_line(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (line,) = [r for r in caplog.records if r.getMessage() == "stream batch"]
    return line


def test_the_log_lines_lag_is_the_metrics_longest_not_the_records_rounded_stamp(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="cruddur.stream.processor")
    records = [sent(0.2, 1), sent(0.4, 2)]

    result = process_records(records, Rows())

    assert len(result.lags_ms) == 2
    logged = batch_line(caplog).__dict__["lag_ms"]
    assert logged == round(max(result.lags_ms), 1)
    assert 400 <= logged < 5_000  # the older message's wait, not the stamp's 59 s
    # The Lambda's EMF line carries the same samples: its maximum is the logged figure.
    assert max(json.loads(batch_metrics(result))["StreamLag"]) == pytest.approx(logged, abs=0.05)


def test_a_record_that_failed_counts_in_neither(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cruddur.stream.processor")
    late, prompt = sent(30, 1), sent(0.1, 2)
    failing = frozenset({late["dynamodb"]["NewImage"][MESSAGE_UUID]["S"]})

    result = process_records([late, prompt], Rows(failing))

    assert result.failed == ["1"]
    assert len(result.lags_ms) == 1
    assert result.lag_ms is not None
    assert batch_line(caplog).__dict__["lag_ms"] == result.lag_ms < 5_000


def test_a_batch_without_a_new_message_logs_no_lag(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="cruddur.stream.processor")
    edit = sent(0.1, 1)
    edit["eventName"] = "MODIFY"
    edit["dynamodb"]["NewImage"][REV] = {"N": "1"}  # an edit: never unread, never lag

    result = process_records([edit], Rows())

    assert result.updates == 2
    assert result.lags_ms == []
    assert batch_line(caplog).__dict__["lag_ms"] is None
