from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.domain import keys
from cruddur.domain.clock import format_timestamp
from cruddur.domain.inbox_changes import changes_for
from cruddur.domain.model import LastMessage, UserRef, parse_uuid
from cruddur.domain.text import clean_message
from cruddur.errors import Invalid


def test_timestamps_are_fixed_width_utc_and_sort_as_time():
    early = datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    late = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))  # 2025-12-31T23:00Z
    assert format_timestamp(early) == "2025-12-31T23:59:59.999999Z"
    assert format_timestamp(late) == "2025-12-31T23:00:00.000000Z"
    assert format_timestamp(late) < format_timestamp(early)
    parsed = datetime.strptime(format_timestamp(early), "%Y-%m-%dT%H:%M:%S.%fZ")
    assert parsed.replace(tzinfo=UTC) == early
    with pytest.raises(ValueError, match="timezone"):
        format_timestamp(datetime(2026, 1, 1))


def test_keys_have_one_shape():
    assert keys.pair_key("b", "a") == keys.pair_key("a", "b") == {"pk": "PAIR#a#b", "sk": "PAIR"}
    assert keys.message_key("g", "t", "u") == {"pk": "MSG#g", "sk": "t#u"}
    assert keys.is_message_pk("MSG#g")
    assert not keys.is_message_pk("GRP#g")


def test_message_text_is_trimmed_and_bounded():
    assert clean_message("  hi  ", 1024) == "hi"
    assert len(clean_message("é" * 1024, 1024)) == 1024
    for bad in ["", "   \n\t", "x" * 1025]:
        with pytest.raises(Invalid):
            clean_message(bad, 1024)


def test_uuids_are_canonical_or_invalid():
    assert parse_uuid("A0A0A0A0-0000-4000-8000-000000000000", "f") == (
        "a0a0a0a0-0000-4000-8000-000000000000"
    )
    with pytest.raises(Invalid):
        parse_uuid("../../etc", "f")


def test_coalescing_keeps_the_newest_and_every_unread_once():
    a, b = UserRef("a", "a", "A"), UserRef("b", "b", "B")

    def msg(uuid: str, sender: UserRef, at: str) -> LastMessage:
        return LastMessage("g", uuid, at, sender.uuid, ("a", "b"), b"sealed")

    m1, m2, m3 = msg("1", a, "2026-01-01"), msg("2", b, "2026-01-03"), msg("3", a, "2026-01-02")
    changes = {c.owner_uuid: c for c in changes_for([m3, m1, m2, m1, m3])}
    assert changes["a"].latest == changes["b"].latest == m2
    assert changes["a"].unread_sks == {m2.sort_key}
    assert changes["b"].unread_sks == {m1.sort_key, m3.sort_key}


def test_capacity_meter_sums_every_shape():
    meter = CapacityMeter()
    meter.add({"CapacityUnits": 0.5})
    meter.add([{"WriteCapacityUnits": 2.0, "ReadCapacityUnits": 0.0}, {"WriteCapacityUnits": 1}])
    meter.add(None)
    assert (meter.read_units, meter.write_units, meter.calls) == (0.5, 3.0, 2)
    assert "0.5 RCU" in meter.summary()
    # A write answered with a bare total (as DynamoDB Local answers) counts as writes.
    meter.add({"CapacityUnits": 3.0}, write=True)
    assert (meter.read_units, meter.write_units) == (0.5, 6.0)
