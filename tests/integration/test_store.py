"""Patterns A–F against DynamoDB Local, and the defects of DESIGN §7 they must not bring back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from cruddur.domain.model import UserRef
from cruddur.errors import Invalid, InvalidCursor, NotFound
from cruddur.services import read_marks, reading, sending
from cruddur.services.context import MessagingContext
from cruddur.services.inbox import list_inbox
from tests.boto import client_of
from tests.conftest import make_user
from tests.integration.helpers import drain
from tests.own_loop import run


def fixed_clock(moment: datetime):
    return lambda: moment


def test_two_messages_in_one_microsecond_are_both_kept(ctx: MessagingContext, alice, bob):
    # Defect 4: a bare-timestamp sort key let the second overwrite the first.
    ctx.clock = fixed_clock(datetime(2026, 11, 22, 3, 4, 5, 123456, tzinfo=UTC))
    first = run(sending.start_conversation(ctx, alice, bob, "one"))
    second = run(sending.send_message(ctx, bob, first.group_uuid, "two"))
    assert first.created_at == second.created_at
    page = run(reading.list_messages(ctx, alice.uuid, first.group_uuid, limit=10))
    assert sorted(m.text for m in page.items) == ["one", "two"]


def test_conversation_from_last_year_is_listed_complete(ctx, settings, store, alice, bob, inbox):
    # Defect 5: begins_with(sk, current year) hid everything from last year on 1 January.
    last_year = datetime.now(UTC).replace(month=12, day=31) - timedelta(days=365)
    ticks = iter([last_year, last_year + timedelta(minutes=5)])
    ctx.clock = lambda: next(ticks)
    first = run(sending.start_conversation(ctx, alice, bob, "old news"))
    run(sending.send_message(ctx, bob, first.group_uuid, "older reply"))
    drain(settings, inbox)
    page = run(reading.list_messages(ctx, alice.uuid, first.group_uuid))
    assert [m.text for m in page.items] == ["old news", "older reply"]
    inbox = run(list_inbox(ctx, bob.uuid))
    assert [e.group_uuid for e in inbox.items] == [first.group_uuid]
    assert inbox.items[0].last_message == "older reply"


def test_paging_250_messages_returns_each_once_in_order(ctx, alice, bob):
    # Defect 6: a fixed limit with no cursor made older messages unreachable.
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ticks = iter(start + timedelta(seconds=i) for i in range(1000))
    ctx.clock = lambda: next(ticks)
    group = run(sending.start_conversation(ctx, alice, bob, "m000")).group_uuid
    for i in range(1, 250):
        run(sending.send_message(ctx, alice if i % 2 else bob, group, f"m{i:03d}"))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = run(reading.list_messages(ctx, bob.uuid, group, limit=23, cursor=cursor))
        seen = [m.text for m in page.items] + seen  # each page is older than the one before
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"m{i:03d}" for i in range(250)]
    assert pages == 11  # ceil(250 / 23): the last page hands out no cursor to an empty page


def test_paging_60_conversations_returns_each_once_newest_first(ctx, settings, store, alice, inbox):
    start = datetime(2025, 6, 1, tzinfo=UTC)
    ticks = iter(start + timedelta(minutes=i) for i in range(1000))
    ctx.clock = lambda: next(ticks)
    groups = [
        run(sending.start_conversation(ctx, make_user(f"u{i}"), alice, f"hello {i}")).group_uuid
        for i in range(60)
    ]
    drain(settings, inbox)
    seen: list[str] = []
    cursor = None
    while True:
        page = run(list_inbox(ctx, alice.uuid, limit=7, cursor=cursor))
        seen += [e.group_uuid for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(groups))


def test_starting_twice_reuses_the_group(ctx, alice, bob):
    # Defect 7: every start made a new group.
    first = run(sending.start_conversation(ctx, alice, bob, "hi"))
    again = run(sending.start_conversation(ctx, bob, alice, "hi back"))
    assert again.group_uuid == first.group_uuid


def test_concurrent_starts_make_one_group(ctx, store, alice, bob):
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def start(i: int) -> None:
        try:
            barrier.wait()
            sender, recipient = (alice, bob) if i % 2 else (bob, alice)
            results.append(
                run(sending.start_conversation(ctx, sender, recipient, f"race {i}")).group_uuid
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    page = run(reading.list_messages(ctx, alice.uuid, results[0], limit=20))
    assert sorted(m.text for m in page.items) == sorted(f"race {i}" for i in range(8))
    assert run(store.find_pair(alice.uuid, bob.uuid)) == results[0]


def test_outsider_cannot_read_or_post(ctx, alice, bob):
    # Defect 1: any signed-in user could read or post into any group by uuid.
    group = run(sending.start_conversation(ctx, alice, bob, "private")).group_uuid
    mallory = make_user("mallory")
    with pytest.raises(NotFound):
        run(reading.list_messages(ctx, mallory.uuid, group))
    with pytest.raises(NotFound):
        run(sending.send_message(ctx, mallory, group, "let me in"))
    with pytest.raises(NotFound):
        run(read_marks.mark_read(ctx, mallory.uuid, group))
    assert [m.text for m in run(reading.list_messages(ctx, alice.uuid, group)).items] == ["private"]


def test_bad_input_is_a_typed_error_and_writes_nothing(ctx, store, alice, bob):
    # Defect 8: blank bodies, self-messages and bad ids crashed into 500s.
    with pytest.raises(Invalid):
        run(sending.start_conversation(ctx, alice, bob, "   "))
    with pytest.raises(Invalid):
        run(sending.start_conversation(ctx, alice, bob, "x" * 1025))
    with pytest.raises(Invalid):
        run(sending.start_conversation(ctx, alice, alice, "me, myself"))
    with pytest.raises(Invalid):
        run(reading.list_messages(ctx, alice.uuid, "not-a-uuid"))
    with pytest.raises(Invalid):
        run(list_inbox(ctx, alice.uuid, limit=0))
    with pytest.raises(Invalid):
        run(list_inbox(ctx, alice.uuid, limit=100_000))
    assert run(store.find_pair(alice.uuid, bob.uuid)) is None
    assert client_of(store).scan(TableName=store.table.name)["Count"] == 0


@pytest.mark.parametrize("mangle", ["forged", "truncated", "foreign_user", "foreign_group", "junk"])
def test_bad_cursors_are_typed_errors(ctx, alice, bob, mangle):
    carol: UserRef = make_user("carol")
    group = run(sending.start_conversation(ctx, alice, bob, "0")).group_uuid
    other = run(sending.start_conversation(ctx, alice, carol, "0")).group_uuid
    for i in range(5):
        run(sending.send_message(ctx, alice, group, str(i)))
        run(sending.send_message(ctx, alice, other, str(i)))
    cursor = run(reading.list_messages(ctx, alice.uuid, group, limit=2)).next_cursor
    assert cursor is not None
    version, payload, mac = cursor.split(".")
    viewer, target = alice.uuid, group
    if mangle == "forged":
        cursor = f"{version}.{payload[:-2]}AA.{mac}"
    elif mangle == "truncated":
        cursor = cursor[:-5]
    elif mangle == "foreign_user":
        viewer = bob.uuid  # bob is a member, but the cursor was issued to alice
    elif mangle == "foreign_group":
        target = other  # alice's own cursor, replayed on another of her groups
    else:
        cursor = "%%%not a cursor%%%"
    with pytest.raises(InvalidCursor):
        run(reading.list_messages(ctx, viewer, target, limit=2, cursor=cursor))


def test_writes_are_metered_as_writes_and_reads_as_reads(ctx, store, alice, bob):
    store.table.meter.reset()
    first = run(sending.start_conversation(ctx, alice, bob, "hello"))
    assert store.table.meter.write_units >= 4  # pair, two inbox rows (+ their index), message
    written, read = store.table.meter.write_units, store.table.meter.read_units
    run(reading.list_messages(ctx, bob.uuid, first.group_uuid))
    assert store.table.meter.write_units == written
    assert store.table.meter.read_units > read
