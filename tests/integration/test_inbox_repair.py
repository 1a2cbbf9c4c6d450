"""`repair-inboxes` on DynamoDB Local: rows corrupted in each way come back as the stream
processor wrote them, attribute for attribute; a second run changes nothing."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cruddur.adapters.dynamodb.attributes import (
    GROUP_UUID,
    HIDDEN,
    LAST_MESSAGE,
    LAST_MESSAGE_SK,
    OTHER_READ_SK,
    TEXT,
    UNREAD,
    USER_UUID,
)
from cruddur.adapters.dynamodb.stores.inbox_repair import InboxRepair
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.costs.sizes import item_bytes
from cruddur.domain import keys
from cruddur.domain.model import UNREAD_CAP, InboxChoices
from cruddur.services import blocking, editing, read_marks, sending
from cruddur.services.context import MessagingContext
from cruddur.services.inbox import set_inbox_choices
from cruddur.stream.processor import process_records
from tests.boto import client_of
from tests.conftest import make_user
from tests.integration.helpers import drain
from tests.integration.records import insert_record
from tests.integration.test_cli import run as cli
from tests.integration.test_cli import target
from tests.own_loop import run

BASE = datetime(2026, 6, 1, tzinfo=UTC)
ITEM_LIMIT = 400 * 1024


class World:
    """Conversations in every state a row can be in, their rows as the processor wrote them."""

    def __init__(self, ctx: MessagingContext, settings: Settings, client: Any) -> None:
        self.settings, self.table, self.client = settings, settings.table_name, client
        tick = iter(range(100_000))
        ctx.clock = lambda: BASE + timedelta(seconds=next(tick))
        self.ctx = ctx
        alice, bob, carol, dave, erin, frank, gina = (
            make_user(name) for name in ("alice", "bob", "carol", "dave", "erin", "frank", "gina")
        )
        self.people = {u.uuid: u for u in (alice, bob, carol, dave, erin, frank, gina)}
        send = sending.send_message
        # Read by both, then two unread for bob, the last one edited.
        ab = run(sending.start_conversation(ctx, alice, bob, "hello bob")).group_uuid
        run(send(ctx, bob, ab, "hi alice"))
        run(send(ctx, alice, ab, "how are you"))
        self.settle()
        run(read_marks.mark_read(ctx, bob.uuid, ab))
        run(read_marks.mark_read(ctx, alice.uuid, ab))
        run(send(ctx, alice, ab, "still there?"))
        last = run(send(ctx, alice, ab, "x" * 300))  # longer than a preview
        run(editing.edit_message(ctx, alice, ab, last.message_uuid, "edited"))
        # Carol's last message deleted: a tombstone is the last message, and it is not unread.
        ac = run(sending.start_conversation(ctx, carol, alice, "hey")).group_uuid
        gone = run(send(ctx, carol, ac, "oops"))
        run(editing.delete_message(ctx, carol, ac, gone.message_uuid))
        # More unread than the cap: the count shows 99+.
        de = run(sending.start_conversation(ctx, dave, erin, "0")).group_uuid
        for n in range(UNREAD_CAP + 4):
            run(send(ctx, dave, de, str(n + 1)))
        # A block hides frank's row.
        fg = run(sending.start_conversation(ctx, gina, frank, "hello")).group_uuid
        self.settle()
        run(blocking.block(ctx, frank, gina))
        self.groups = {"ab": ab, "ac": ac, "de": de, "fg": fg}
        self.settle()
        self.rows = self.read_rows()

    def settle(self) -> None:
        drain(self.settings, None)

    def read_rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        rows = {}
        for item in self.scan():
            if item[keys.SK]["S"].startswith(keys.INBOX_PREFIX):  # rows, not pins
                rows[(item[GROUP_UUID]["S"], item[USER_UUID]["S"])] = item
        return rows

    def scan(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        args: dict[str, Any] = {"TableName": self.table}
        while True:
            page = self.client.scan(**args)
            found.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def world(ctx, settings, store) -> World:
    return World(ctx, settings, client_of(store))


@pytest.fixture
def repair(world, settings, inbox: InboxUpdates) -> InboxRepair:
    return InboxRepair(inbox.table, world.people.get)


def normal(row: dict[str, Any]) -> dict[str, Any]:
    return {name: sorted(value["BS"]) if "BS" in value else value for name, value in row.items()}


def repair_all(repair: InboxRepair, **kwargs: Any) -> list[Any]:
    return [r for group in repair.every_group() for r in repair.repair(group, **kwargs).repairs]


def test_rebuilt_rows_equal_what_the_processor_wrote(world, repair):
    assert len(world.rows) == 8
    unread = {key: len(row.get(UNREAD, {}).get("BS", [])) for key, row in world.rows.items()}
    assert sorted(unread.values()) == [0, 0, 0, 0, 1, 1, 2, UNREAD_CAP]  # every kind is here
    assert any(HIDDEN in row for row in world.rows.values())
    assert any(row[LAST_MESSAGE]["B"] == b"" for row in world.rows.values())
    assert any(OTHER_READ_SK in row for row in world.rows.values())
    # One row of each conversation, then the other: the read positions a lost row held live
    # on in its partner (both at once, they are gone: see docs/operations.md).
    for first in (True, False):
        lost = {
            k: r for k, r in world.rows.items() if (k[1] == members_of(world, k[0])[0]) == first
        }
        for row in lost.values():
            world.client.delete_item(
                TableName=world.table, Key={keys.PK: row[keys.PK], keys.SK: row[keys.SK]}
            )

        repairs = repair_all(repair)

        assert sorted((r.group_uuid, r.owner_uuid) for r in repairs) == sorted(lost)
        assert {r.action for r in repairs} == {"created"}
        assert {k: normal(r) for k, r in world.read_rows().items()} == {
            k: normal(r) for k, r in world.rows.items()
        }
    assert repair_all(repair) == []  # run twice, the second changes nothing


def members_of(world: World, group: str) -> list[str]:
    return sorted(owner for g, owner in world.rows if g == group)


def corrupt(world: World, group: str, owner: str, expression: str, values: dict[str, Any]) -> None:
    world.client.update_item(
        TableName=world.table,
        Key={k: {"S": v} for k, v in keys.inbox_key(owner, group).items()},
        UpdateExpression=expression,
        ExpressionAttributeValues=values,
    )


def members(world: World, name: str) -> list[str]:
    return members_of(world, world.groups[name])


def test_each_kind_of_damage_is_repaired_and_a_dry_run_writes_nothing(world, repair):
    ab, ac, de, fg = (world.groups[name] for name in ("ab", "ac", "de", "fg"))
    a, _ = members(world, "ab")
    older = sorted(i[keys.SK]["S"] for i in world.scan() if i[keys.PK]["S"] == keys.message_pk(ab))[
        0
    ]
    # A stale preview: the row shows an older message.
    corrupt(
        world,
        ab,
        a,
        "SET last_message_sk = :sk, last_message = :m",
        {":sk": {"S": older}, ":m": {"B": b"stale"}},
    )
    # A wrong unread count.
    corrupt(
        world,
        ac,
        members(world, "ac")[0],
        "ADD unread :t",
        {":t": {"BS": [os.urandom(8) for _ in range(7)]}},
    )
    # An oversized row: an unbounded set and a stray attribute, at the item size limit.
    big = members(world, "de")[1]
    for _ in range(2):
        corrupt(
            world, de, big, "ADD unread :t", {":t": {"BS": [os.urandom(8) for _ in range(20_000)]}}
        )
    corrupt(world, de, big, "SET junk = :j", {":j": {"S": "j" * 60_000}})
    # A missing row.
    world.client.delete_item(
        TableName=world.table,
        Key={k: {"S": v} for k, v in keys.inbox_key(members(world, "fg")[0], fg).items()},
    )
    damaged = world.read_rows()

    dry = repair_all(repair, dry_run=True)
    assert world.read_rows() == damaged
    fixed = repair_all(repair)

    assert sorted((r.group_uuid, r.owner_uuid, r.action) for r in dry) == sorted(
        (r.group_uuid, r.owner_uuid, r.action) for r in fixed
    )
    assert len(fixed) == 4
    assert {r.action for r in fixed if r.group_uuid == fg} == {"created"}
    assert "junk" in next(r for r in fixed if r.group_uuid == de).attributes
    assert {k: normal(r) for k, r in world.read_rows().items()} == {
        k: normal(r) for k, r in world.rows.items()
    }
    assert repair_all(repair) == []


def test_a_row_pointing_at_a_message_no_longer_stored_falls_back_to_the_one_before(world, repair):
    ab = world.groups["ab"]
    messages = sorted(
        (i for i in world.scan() if i[keys.PK]["S"] == keys.message_pk(ab)),
        key=lambda i: i[keys.SK]["S"],
    )
    newest, before = messages[-1], messages[-2]
    world.client.delete_item(
        TableName=world.table, Key={keys.PK: newest[keys.PK], keys.SK: newest[keys.SK]}
    )

    outcome = repair.repair(ab)

    assert len(outcome.repairs) == 2
    for (group, owner), row in world.read_rows().items():
        if group != ab:
            continue
        assert row[LAST_MESSAGE_SK]["S"] == before[keys.SK]["S"]
        assert row[LAST_MESSAGE]["B"] == before[TEXT]["B"]
        unread = len(row.get(UNREAD, {}).get("BS", []))
        assert unread == (1 if owner != before[USER_UUID]["S"] else 0)


def test_the_processor_heals_a_row_at_the_item_size_limit(ctx, inbox, store, settings):
    alice, bob = make_user("alice"), make_user("bob")
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    client, key = client_of(store), keys.inbox_key(bob.uuid, group)
    attrs = {k: {"S": v} for k, v in key.items()}
    for _ in range(2):
        client.update_item(
            TableName=settings.table_name,
            Key=attrs,
            UpdateExpression="ADD unread :t",
            ExpressionAttributeValues={":t": {"BS": [os.urandom(8) for _ in range(20_000)]}},
        )
    row = client.get_item(TableName=settings.table_name, Key=attrs)["Item"]
    room = ITEM_LIMIT - item_bytes(dict(row)) - len("junk") - 40
    client.update_item(
        TableName=settings.table_name,
        Key=attrs,
        UpdateExpression="SET junk = :j",
        ExpressionAttributeValues={":j": {"S": "j" * room}},
    )
    reply = run(sending.send_message(ctx, alice, group, "a reply long enough to grow the row " * 3))
    # As written, the record cannot apply: the row has no room for its preview.
    with pytest.raises(client.exceptions.ClientError, match="maximum allowed size"):
        client.update_item(
            TableName=settings.table_name,
            Key=attrs,
            UpdateExpression="SET more = :m",
            ExpressionAttributeValues={":m": {"S": "m" * 200}},
        )

    result = process_records([insert_record(reply, 1, store.sealer)], inbox)

    assert result.failed == []
    healed = client.get_item(TableName=settings.table_name, Key=attrs, ConsistentRead=True)["Item"]
    assert "junk" not in healed
    assert healed[LAST_MESSAGE_SK]["S"] == reply.sort_key
    assert len(healed[UNREAD]["BS"]) == UNREAD_CAP
    shown = run(store.get_inbox_row(bob.uuid, group))
    assert shown is not None
    assert shown.unread_count == UNREAD_CAP


def test_repair_from_the_command_line(world, settings):
    ab = world.groups["ab"]
    a, _ = members(world, "ab")
    corrupt(world, ab, a, "ADD unread :t", {":t": {"BS": [os.urandom(8)]}})
    args = ["ddb", "repair-inboxes", *target(settings), "--data-dir", str(settings.data_dir)]

    needs_one = cli(*args)
    dry = cli(*args, "--group", ab, "--dry-run")
    fixed = cli(*args, "--all", "--wcu", "1000")
    again = cli(*args, "--all")

    assert needs_one.exit_code == 2
    assert "choose one" in needs_one.output
    assert f"group {ab} row of {a}: rewrote (unread)" in dry.output
    assert f"group {ab} row of {a}: rewrote (unread)" in fixed.output
    assert "0 rows were created, 0 were rewritten" in again.output
    assert "consumed capacity" in again.output
    assert world.read_rows() == world.rows


def test_the_owners_choices_survive_a_rewrite(world, repair):
    ab = world.groups["ab"]
    a, b = members(world, "ab")
    run(set_inbox_choices(world.ctx, a, ab, InboxChoices(muted=True, pinned=True)))
    run(set_inbox_choices(world.ctx, b, ab, InboxChoices(archived=True)))
    chosen = world.read_rows()
    corrupt(world, ab, a, f"SET {LAST_MESSAGE} = :x", {":x": {"B": b"stale"}})
    corrupt(world, ab, b, f"SET {LAST_MESSAGE} = :x", {":x": {"B": b"stale"}})
    fixed = repair.repair(ab).repairs
    assert [r.attributes for r in fixed] == [(LAST_MESSAGE,)] * 2
    # Mute, pin and archive as the owners chose them, the rest as the processor wrote it.
    assert {k: normal(r) for k, r in world.read_rows().items()} == {
        k: normal(r) for k, r in chosen.items()
    }
