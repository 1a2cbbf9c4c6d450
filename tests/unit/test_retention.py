"""Retention, one rule for every read: a message past its end (its TTL attribute, against the
context's clock) is shown by no read — a page, one message, a reply's quote, a reply to it, an
edit — and an inbox row whose last message is that old says it expired. On the in-memory fakes;
tests/e2e/test_api_retention.py shows the same from outside, the export too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from cruddur.domain.clock import utc_now
from cruddur.domain.model import Message, UserRef
from cruddur.errors import Invalid, NotFound
from cruddur.services import editing, inbox, reading, sending
from cruddur.services.context import MessagingContext
from cruddur.services.sending import post_message
from tests.fakes import FakeConversations, FakeDirectory, FakeEdits, context
from tests.own_loop import run

DAY = timedelta(days=1)
RETENTION_DAYS = 30


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    ctx: MessagingContext
    clock: Clock
    directory: FakeDirectory
    ada: UserRef
    bob: UserRef
    old: Message  # Ada's first message, 31 days ago: past its retention
    reply: Message  # Bob's reply to it, 11 days ago: kept

    @property
    def store(self) -> FakeConversations:
        assert isinstance(self.ctx.store, FakeConversations)
        return self.ctx.store


@pytest.fixture
def world() -> World:
    directory = FakeDirectory()
    ada, bob = directory.add("ada"), directory.add("bob")
    ctx = context()
    clock = Clock(utc_now())
    ctx.clock, ctx.retention_days = clock, RETENTION_DAYS
    old = run(sending.start_conversation(ctx, ada, bob, "old news"))
    clock.now += 20 * DAY
    reply = run(
        post_message(
            ctx, directory, bob, "about that", group_uuid=old.group_uuid, reply_to=old.message_uuid
        )
    )
    assert reply.reply_to is not None
    assert reply.reply_to.preview == "old news"  # not gone yet
    clock.now += 11 * DAY
    return World(ctx, clock, directory, ada, bob, old, reply)


def _gone_quote(message: Message, world: World) -> None:
    assert message.message_uuid == world.reply.message_uuid
    assert message.reply_to is not None
    assert (message.reply_to.preview, message.reply_to.deleted) == ("", True)


def test_a_page_leaves_it_out_and_the_reply_quotes_it_as_gone(world: World):
    page = run(reading.list_messages(world.ctx, world.bob.uuid, world.old.group_uuid))
    [shown] = page.items
    _gone_quote(shown, world)


def test_one_message_is_not_found_and_a_reply_quotes_it_as_gone(world: World):
    group = world.old.group_uuid
    with pytest.raises(NotFound):
        run(editing.get_message(world.ctx, world.ada.uuid, group, world.old.message_uuid))
    _gone_quote(
        run(editing.get_message(world.ctx, world.ada.uuid, group, world.reply.message_uuid)), world
    )


def test_an_inbox_row_whose_last_message_is_that_old_says_it_expired(world: World):
    # The fakes keep the rows a start wrote (the stream's updates are DynamoDB's side): their
    # last message is the old one.
    [row] = run(inbox.list_inbox(world.ctx, world.bob.uuid)).items
    assert (row.last_message, row.last_message_expired) == ("", True)
    one = run(inbox.get_conversation(world.ctx, world.ada.uuid, world.old.group_uuid))
    assert (one.last_message, one.last_message_expired) == ("", True)


def test_a_reply_to_it_is_refused_and_writes_nothing(world: World):
    before = list(world.store.writes)
    with pytest.raises(Invalid, match="not a message of this conversation"):
        run(
            post_message(
                world.ctx,
                world.directory,
                world.bob,
                "still there?",
                group_uuid=world.old.group_uuid,
                reply_to=world.old.message_uuid,
            )
        )
    assert world.store.writes == before


def test_an_edit_of_it_is_not_found_and_writes_nothing(world: World):
    before = list(world.store.writes)
    with pytest.raises(NotFound):
        run(
            editing.edit_message(
                world.ctx, world.ada, world.old.group_uuid, world.old.message_uuid, "revived"
            )
        )
    assert world.store.writes == before
    # The reply, still kept, is edited; its answer quotes the old one as gone.
    edited = run(
        editing.edit_message(
            world.ctx, world.bob, world.old.group_uuid, world.reply.message_uuid, "about it"
        )
    )
    assert edited.text == "about it"
    _gone_quote(edited, world)


class CountedReads:
    """The edits port as the service sees it, counting the single reads it asks for (the
    fake's own edit reads through its inner self, not through this)."""

    def __init__(self, inner: FakeEdits) -> None:
        self.inner = inner
        self.reads: list[str] = []

    async def get(self, group_uuid: str, message_uuid: str) -> Message:
        self.reads.append(message_uuid)
        return await self.inner.get(group_uuid, message_uuid)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_edit_of_a_message_younger_than_any_retention_reads_nothing_first(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    fresh = run(sending.send_message(world.ctx, world.ada, world.old.group_uuid, "new"))
    assert isinstance(world.ctx.edits, FakeEdits)
    counted = CountedReads(world.ctx.edits)
    monkeypatch.setattr(world.ctx, "edits", counted)
    world.clock.now += DAY - timedelta(seconds=1)
    run(editing.edit_message(world.ctx, world.ada, fresh.group_uuid, fresh.message_uuid, "newer"))
    assert counted.reads == []  # one write, as before retention existed
    world.clock.now += timedelta(seconds=2)  # a day old: it could have expired, so it is read
    run(editing.edit_message(world.ctx, world.ada, fresh.group_uuid, fresh.message_uuid, "again"))
    assert counted.reads == [fresh.message_uuid]
