"""Group conversations under races, on DynamoDB Local with the stream poller running: sends,
adds, removals and leaves all at once; once the stream has drained, every member's row agrees
with the messages and the membership (the model), and no one who left has a row."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from typing import Any

import pytest

from cruddur.adapters.dynamodb.stores.inbox_repair import InboxRepair
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.domain import keys
from cruddur.domain.groups import Group
from cruddur.domain.model import UNREAD_CAP, InboxChoices, Message, UserRef
from cruddur.errors import NotFound
from cruddur.services import group_changes, groups, sending
from cruddur.services.context import MessagingContext
from cruddur.stream.processor import process_records
from cruddur.stream.runner import build_poller
from tests.fakes import FakeDirectory
from tests.integration.helpers import drain
from tests.integration.records import insert_record
from tests.own_loop import run


def group_now(ctx: MessagingContext, group_uuid: str) -> Group:
    assert ctx.groups is not None
    group = run(ctx.groups.get_group(group_uuid))
    assert group is not None
    return group


def every_message(ctx: MessagingContext, group_uuid: str) -> list[Message]:
    found, _ = run(ctx.store.query_messages(group_uuid, 1000))
    return found  # newest first


def check_rows_agree(ctx: MessagingContext, group_uuid: str, people: list[UserRef]) -> None:
    """Each member's row shows the newest message since they joined, counts unread every
    message since then that others sent (events never), and names the group's size; anyone
    else has no row."""
    group = group_now(ctx, group_uuid)
    messages = every_message(ctx, group_uuid)
    for person in people:
        row = run(ctx.store.get_inbox_row(person.uuid, group_uuid))
        member = group.member(person.uuid)
        if member is None:
            assert row is None, person.handle
            continue
        assert row is not None, person.handle
        theirs = [m for m in messages if m.sort_key >= member.joined_sk]
        assert row.last_message_sk == theirs[0].sort_key, person.handle
        unread = [m for m in theirs if m.event is None and m.sender.uuid != person.uuid]
        assert row.unread_count == min(len(unread), UNREAD_CAP), person.handle
        assert row.member_count == len(group.members), person.handle


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sends_adds_removals_and_leaves_at_once_converge(
    ctx: MessagingContext, settings: Settings, inbox: InboxUpdates, seed: int
):
    directory = FakeDirectory()
    people = [directory.add(f"p{seed}x{i}") for i in range(8)]
    ada = people[0]
    conversation, _ = run(groups.start(ctx, directory, ada, [p.handle for p in people[1:4]]))
    g = conversation.entry.group_uuid
    rng = random.Random(seed)
    stop = threading.Event()
    poller = build_poller(settings, inbox)
    thread = threading.Thread(target=lambda: _poll(poller, stop), daemon=True)
    thread.start()

    async def sender(person: UserRef, count: int) -> None:
        for n in range(count):
            with contextlib.suppress(NotFound):  # removed meanwhile: a stranger's 404
                await sending.send_message(ctx, person, g, f"{person.handle} {n}")
            await asyncio.sleep(rng.random() / 200)

    async def away_and_back(person: UserRef) -> None:
        await group_changes.remove_member(ctx, ada, g, person.handle)
        await asyncio.sleep(rng.random() / 100)
        await group_changes.add_members(ctx, directory, ada, g, [person.handle])

    async def changes() -> None:
        steps: list[Any] = [
            lambda: group_changes.add_members(ctx, directory, ada, g, [people[4].handle]),
            lambda: away_and_back(people[2]),
            lambda: group_changes.remove_member(ctx, people[3], g, people[3].handle),
            lambda: group_changes.add_members(
                ctx, directory, ada, g, [p.handle for p in people[5:7]]
            ),
            lambda: group_changes.rename(ctx, people[1], g, "racing"),
        ]
        rng.shuffle(steps)
        for step in steps:
            await step()
            await asyncio.sleep(rng.random() / 100)

    async def everything() -> None:
        await asyncio.gather(
            changes(),
            *(sender(p, 6) for p in people[:7]),
        )

    try:
        run(everything())
    finally:
        stop.set()
        thread.join(timeout=30)
    drain(settings, inbox)
    check_rows_agree(ctx, g, people)
    # Chen (people[2]) was removed and added back: a new row, from the new joining on.
    assert group_now(ctx, g).member(people[2].uuid) is not None


def _poll(poller: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        if not poller.poll_once():
            stop.wait(0.02)


def test_a_late_record_never_brings_back_a_removed_members_row(
    ctx: MessagingContext, settings: Settings, inbox: InboxUpdates
):
    directory = FakeDirectory()
    ada, bruno, chen = (directory.add(h) for h in ("ada", "bruno", "chen"))
    conversation, _ = run(groups.start(ctx, directory, ada, ["bruno", "chen"]))
    g = conversation.entry.group_uuid
    sent = run(sending.send_message(ctx, bruno, g, "before chen went"))
    drain(settings, inbox)
    run(group_changes.remove_member(ctx, ada, g, "chen"))
    # The send's record again, late (a replay, a redrive): Chen's row stays gone, and it is no
    # failure (the record applies to the others).
    table = ctx.store
    result = process_records([insert_record(sent, 99, table.sealer)], inbox)  # type: ignore[attr-defined]
    assert result.failed == []
    assert run(ctx.store.get_inbox_row(chen.uuid, g)) is None
    assert run(ctx.store.get_inbox_row(bruno.uuid, g)) is not None


def test_a_message_item_does_not_grow_with_the_group(ctx: MessagingContext):
    directory = FakeDirectory()
    creator = directory.add("creator")
    others = [directory.add(f"m{i}") for i in range(49)]
    small, _ = run(groups.start(ctx, directory, creator, [o.handle for o in others[:2]]))
    large, _ = run(groups.start(ctx, directory, creator, [o.handle for o in others]))
    sizes = []
    for conversation in (small, large):
        g = conversation.entry.group_uuid
        message = run(sending.send_message(ctx, creator, g, "the same words"))
        key = keys.message_key(g, message.created_at, message.message_uuid)
        item = run(ctx.store.table.get(key))  # type: ignore[attr-defined]
        assert item is not None
        assert "member_uuids" not in item
        sizes.append(len(item))
    assert sizes[0] == sizes[1]
    assert len(group_now(ctx, large.entry.group_uuid).members) == 50


def test_repair_rebuilds_every_members_row_of_a_group(
    ctx: MessagingContext, settings: Settings, inbox: InboxUpdates
):
    directory = FakeDirectory()
    people = [directory.add(h) for h in ("ada", "bruno", "chen", "dana")]
    ada, bruno, chen, dana = people
    conversation, _ = run(groups.start(ctx, directory, ada, ["bruno", "chen"], "Crew"))
    g = conversation.entry.group_uuid
    run(sending.send_message(ctx, bruno, g, "one"))
    run(group_changes.add_members(ctx, directory, ada, g, ["dana"]))
    run(sending.send_message(ctx, chen, g, "two"))
    drain(settings, inbox)
    run(ctx.store.mark_read(bruno.uuid, None, g, "2030-01-01T00:00:00.000000Z"))
    run(ctx.store.apply_choices(chen.uuid, g, InboxChoices(muted=True), "2030-01-01T00:00:00Z"))
    # Rows lost and damaged: Dana's gone, Ada's showing nothing unread.
    table = inbox.table
    table.call("DeleteItem", {"TableName": table.name, "Key": _key(dana, g)})
    table.call(
        "UpdateItem",
        {
            "TableName": table.name,
            "Key": _key(ada, g),
            "UpdateExpression": "REMOVE unread, member_count",
        },
    )
    repair = InboxRepair(table)
    outcome = repair.repair(g)
    assert {r.owner_uuid for r in outcome.repairs} == {ada.uuid, dana.uuid}
    check_rows_agree(ctx, g, [ada, chen, dana])  # Bruno has read it all: below
    chen_row = run(ctx.store.get_inbox_row(chen.uuid, g))
    assert chen_row is not None
    assert chen_row.muted  # the owner's choices are kept
    assert run(ctx.store.get_inbox_row(bruno.uuid, g)).unread_count == 0  # type: ignore[union-attr]
    assert repair.repair(g).repairs == []  # a second run changes nothing


def _key(person: UserRef, group_uuid: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in keys.inbox_key(person.uuid, group_uuid).items()}
