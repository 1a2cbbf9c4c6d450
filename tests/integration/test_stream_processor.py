"""process_records against DynamoDB Local: monotonic, idempotent, exact unread counts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cruddur.costs.sizes import item_bytes
from cruddur.domain import keys
from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import UNREAD_CAP, Message, UserRef
from cruddur.services import read_marks, sending
from cruddur.stream import lambda_handler as handler_module
from cruddur.stream.processor import process_records
from tests.boto import client_of
from tests.conftest import make_user
from tests.integration.records import insert_record
from tests.own_loop import run

BASE = datetime(2026, 3, 1, tzinfo=UTC)
# (conversation 0 or 1, sender 0 or 1 within it, seconds after BASE)
spec = st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 40))


def message(group: str, members: tuple[UserRef, UserRef], sender: int, second: int) -> Message:
    return Message(
        group_uuid=group,
        message_uuid=str(uuid.uuid4()),
        text=f"at {second}",
        created_at=format_timestamp(BASE + timedelta(seconds=second)),
        sender=members[sender],
        member_uuids=(members[0].uuid, members[1].uuid),
    )


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    specs=st.lists(spec, min_size=1, max_size=20),
    read_after=st.integers(0, 20),
    reader=st.integers(0, 1),
)
def test_any_order_with_duplicates_converges_to_the_model(
    ctx, store, data, specs, read_after, reader, inbox
):
    hub = make_user("hub")
    pairs = [(hub, make_user("p0")), (make_user("p1"), hub)]
    ctx.clock = lambda: BASE - timedelta(days=1)
    groups = [run(sending.start_conversation(ctx, a, b, "first")) for a, b in pairs]
    messages = [message(groups[c].group_uuid, pairs[c], s, t) for c, s, t in specs]
    records = [insert_record(m, 1000 + i, store.sealer) for i, m in enumerate(messages)]

    # Some records are applied first, then one member of conversation 0 reads it...
    applied_early = records[:read_after]
    process_records(applied_early, inbox)
    run(read_marks.mark_read(ctx, pairs[0][reader].uuid, groups[0].group_uuid))
    read_sk = {
        (0, reader): max(
            [groups[0].sort_key]
            + [m.sort_key for m in messages[:read_after] if m.group_uuid == groups[0].group_uuid]
        )
    }

    # ...then every record arrives again, shuffled, with duplicates, cut into consecutive
    # batches: an older batch may land after a newer one.
    duplicates = data.draw(st.lists(st.sampled_from(records), max_size=10))
    shuffled = data.draw(st.permutations(records + duplicates))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=4)))
    for start, end in zip([0, *cuts], [*cuts, len(shuffled)], strict=True):
        assert process_records(shuffled[start:end], inbox).failed == []

    for c, (group, members) in enumerate(zip(groups, pairs, strict=True)):
        everything = [group] + [m for m in messages if m.group_uuid == group.group_uuid]
        latest = max(everything, key=lambda m: m.sort_key)
        for i, member in enumerate(members):
            row = run(store.get_inbox_row(member.uuid, group.group_uuid))
            assert row is not None
            assert row.last_message_sk == latest.sort_key
            assert row.last_message == latest.text
            floor = read_sk.get((c, i), "")
            expected = sum(
                1 for m in everything if m.sender.uuid != member.uuid and m.sort_key > floor
            )
            assert row.unread_count == expected


def test_a_full_batch_of_100_updates_every_group(ctx, store, settings, monkeypatch, alice):
    # Defect 3: only Records[0] was processed.
    others = [make_user(f"u{i}") for i in range(100)]
    ctx.clock = lambda: BASE
    groups = [run(sending.start_conversation(ctx, alice, o, "hi")).group_uuid for o in others]
    later = [message(g, (alice, o), 1, 5) for g, o in zip(groups, others, strict=True)]
    event = {
        "Records": [
            insert_record(m, 5000 + i, store.sealer, lambda_json=True) for i, m in enumerate(later)
        ]
    }

    monkeypatch.setenv("AWS_ENDPOINT_URL", settings.aws_endpoint_url)
    monkeypatch.setenv("CRUDDUR_TABLE_NAME", settings.table_name)
    handler_module._inbox.cache_clear()
    try:
        assert handler_module.lambda_handler(event, None) == {"batchItemFailures": []}
    finally:
        handler_module._inbox.cache_clear()
    for group, sent in zip(groups, later, strict=True):
        row = run(store.get_inbox_row(alice.uuid, group))
        assert row is not None
        assert row.last_message_sk == sent.sort_key
        assert row.unread_count == 1


def test_failures_are_reported_by_sequence_number_and_the_rest_applies(
    ctx, store, alice, bob, inbox
):
    ctx.clock = lambda: BASE
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    good = message(group, (alice, bob), 1, 30)
    stray = message(str(uuid.uuid4()), (alice, bob), 0, 31)  # a group with no inbox rows
    broken = insert_record(good, 3, store.sealer)
    del broken["dynamodb"]["NewImage"]["member_uuids"]
    ignored = {"eventName": "REMOVE", "dynamodb": {"SequenceNumber": "4", "Keys": {}}}
    result = process_records(
        [
            insert_record(stray, 1, store.sealer),
            insert_record(good, 2, store.sealer),
            broken,
            ignored,
        ],
        inbox,
    )
    assert sorted(result.failed) == ["1", "3"]
    assert result.batch_item_failures() == {
        "batchItemFailures": [{"itemIdentifier": "1"}, {"itemIdentifier": "3"}]
    }
    row = run(store.get_inbox_row(alice.uuid, group))
    assert row is not None
    assert row.last_message_sk == good.sort_key


@pytest.mark.parametrize("replays", [1, 3])
def test_a_replayed_batch_changes_nothing(ctx, store, alice, bob, replays, inbox):
    ctx.clock = lambda: BASE
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    batch = [insert_record(message(group, (alice, bob), 1, s), s, store.sealer) for s in (1, 2, 3)]
    process_records(batch, inbox)
    first = run(store.get_inbox_row(alice.uuid, group))
    for _ in range(replays):
        assert process_records(list(reversed(batch)), inbox).updates == 0
    assert run(store.get_inbox_row(alice.uuid, group)) == first
    assert first is not None
    assert first.unread_count == 3


PAST_THE_CAP = UNREAD_CAP + 20


@pytest.mark.parametrize("batch", [1, 37, PAST_THE_CAP])
def test_the_unread_count_stops_at_the_cap_and_the_row_stays_small(
    ctx, store, alice, bob, batch, inbox
):
    # Defect (issue 14): the unread set grew without bound until the row passed 400 KB and every
    # later update of it failed. Past the cap the count shows "99+"; the row's size is bounded.
    ctx.clock = lambda: BASE
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    records = [
        insert_record(message(group, (alice, bob), 0, second), second, store.sealer)
        for second in range(1, PAST_THE_CAP + 1)
    ]
    for start in range(0, len(records), batch):
        assert process_records(records[start : start + batch], inbox).failed == []
    row = run(store.get_inbox_row(bob.uuid, group))
    assert row is not None
    assert row.unread_count == UNREAD_CAP
    assert row.last_message_sk == max(r["dynamodb"]["NewImage"]["sk"]["S"] for r in records)
    [inbox_row] = client_of(store).query(
        TableName=store.table.name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.inbox_pk(bob.uuid)}},
    )["Items"]
    assert item_bytes(inbox_row) < 2048  # two write units at most, however many were sent
    assert process_records(records, inbox).updates == 0  # a replay past the cap adds nothing
    run(read_marks.mark_read(ctx, bob.uuid, group))
    later = [message(group, (alice, bob), 0, second) for second in (400, 401, 402)]
    records = [insert_record(m, 1000 + i, store.sealer) for i, m in enumerate(later)]
    process_records(records, inbox)
    row = run(store.get_inbox_row(bob.uuid, group))
    assert row is not None
    assert row.unread_count == 3  # counting is exact again once read
