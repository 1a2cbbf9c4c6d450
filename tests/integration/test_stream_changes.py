"""Edits and deletions through the stream (MODIFY records), on DynamoDB Local: a preview follows
only its row's last message, only forward by revision, exact whatever is replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.domain import keys
from cruddur.domain.model import Message, UserRef
from cruddur.services import sending
from cruddur.services.context import MessagingContext
from cruddur.stream.processor import process_records
from tests.conftest import make_user
from tests.integration.records import insert_record, modify_record
from tests.own_loop import run

BASE = datetime(2026, 5, 1, tzinfo=UTC)


def dynamo(ctx: MessagingContext) -> ConversationTable:
    assert isinstance(ctx.store, ConversationTable)
    return ctx.store


def stored(ctx: MessagingContext, message: Message) -> dict[str, Any]:
    key = keys.message_key(message.group_uuid, message.created_at, message.message_uuid)
    item = run(dynamo(ctx).table.get(key))
    assert item is not None
    return item


def history(ctx: MessagingContext, alice: UserRef, bob: UserRef) -> tuple[str, list[Any]]:
    """A conversation's records in stream order: the first message (written with its rows),
    a second one, two edits of it, an edit of the first, then the second deleted."""
    tick = iter(range(1000))
    ctx.clock = lambda: BASE + timedelta(seconds=next(tick))
    first = run(sending.start_conversation(ctx, alice, bob, "first"))
    group = first.group_uuid
    second = run(sending.send_message(ctx, alice, group, "second"))
    records = [
        insert_record(first, 1, dynamo(ctx).sealer),
        insert_record(second, 2, dynamo(ctx).sealer),
    ]
    for n, text in enumerate(["second, edited", "second, edited again"]):
        run(ctx.edits.edit(group, second.message_uuid, alice.uuid, text, f"2026-05-01T00:10:0{n}Z"))
        records.append(modify_record(stored(ctx, second), 3 + n))
    run(
        ctx.edits.edit(
            group, first.message_uuid, alice.uuid, "first, edited", "2026-05-01T00:11:00Z"
        )
    )
    records.append(modify_record(stored(ctx, first), 5))
    run(ctx.edits.delete(group, second.message_uuid, alice.uuid, "2026-05-01T00:12:00Z"))
    records.append(modify_record(stored(ctx, second), 6))
    return group, records


def expected_after(applied: int) -> tuple[str, bool, int]:
    """(preview, deleted, Bob's unread) once records[:applied] are in, in order."""
    return [
        ("first", False, 1),
        ("first", False, 1),
        ("second", False, 2),
        ("second, edited", False, 2),
        ("second, edited again", False, 2),
        ("second, edited again", False, 2),  # an edit of an older message: no change
        ("", True, 1),  # deleted: no preview, no longer unread
    ][applied]


def row_state(ctx: MessagingContext, owner: UserRef, group: str) -> tuple[str, bool, int]:
    row = run(ctx.store.get_inbox_row(owner.uuid, group))
    assert row is not None
    return row.last_message, row.last_message_deleted, row.unread_count


@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_at_least_once_in_order_delivery_converges(ctx, store, data, inbox):
    alice, bob = make_user("alice"), make_user("bob")
    group, records = history(ctx, alice, bob)
    # Delivered at least once, in order: some prefix first, then everything again from any
    # earlier point, cut into batches (a batch holds an INSERT and its MODIFYs together).
    first_pass = data.draw(st.integers(0, len(records)), label="first pass")
    restart = data.draw(st.integers(0, first_pass), label="replay from")
    delivered = records[:first_pass] + records[restart:]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(delivered)), max_size=4)))
    for start, end in zip([0, *cuts], [*cuts, len(delivered)], strict=True):
        assert process_records(delivered[start:end], inbox).failed == []
    preview, deleted, unread = expected_after(len(records))
    assert row_state(ctx, bob, group) == (preview, deleted, unread)
    assert row_state(ctx, alice, group)[:2] == (preview, deleted)
    assert row_state(ctx, alice, group)[2] == 0  # her own messages are never unread to her


def test_each_step_shows_exactly_what_it_should(ctx, store, inbox):
    alice, bob = make_user("alice"), make_user("bob")
    group, records = history(ctx, alice, bob)
    for applied in range(1, len(records) + 1):
        process_records(records[applied - 1 : applied], inbox)
        assert row_state(ctx, bob, group) == expected_after(applied), applied


def test_an_older_revision_arriving_late_never_brings_back_older_text(ctx, store, inbox):
    alice, bob = make_user("alice"), make_user("bob")
    group, records = history(ctx, alice, bob)
    process_records(records[:5], inbox)  # up to the second edit of the second message
    assert row_state(ctx, bob, group)[0] == "second, edited again"
    late = process_records([records[3], records[2]], inbox)  # rev 1, then the INSERT
    assert late.failed == []
    assert late.updates == 0
    assert row_state(ctx, bob, group) == expected_after(5)
