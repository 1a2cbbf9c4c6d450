"""Message ids name their creation time: the key of a message follows from its id alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cruddur.domain.clock import format_timestamp
from cruddur.domain.ids import created_at_of, message_uuid_at

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(moments)
def test_an_id_names_its_moment_to_the_microsecond(moment: datetime):
    made = message_uuid_at(moment)
    parsed = uuid.UUID(made)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert created_at_of(made) == format_timestamp(moment)


def test_ids_of_one_moment_differ_and_sort_by_time():
    moment = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    same = {message_uuid_at(moment) for _ in range(100)}
    assert len(same) == 100
    later = message_uuid_at(moment + timedelta(microseconds=1))
    assert max(same, key=lambda u: uuid.UUID(u).int >> 64) < later


def test_ids_that_are_not_ours_name_no_time():
    v7 = uuid.UUID(message_uuid_at(datetime(2026, 1, 1, tzinfo=UTC))).int
    foreign_fraction = str(uuid.UUID(int=v7 | (0xFFF << 64)))  # rand_a past 999
    for value in (str(uuid.uuid4()), str(uuid.uuid1()), "not-a-uuid", "", foreign_fraction):
        assert created_at_of(value) is None
