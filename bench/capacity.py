"""(3) Capacity per message, inbox updates included, from ReturnConsumedCapacity: our design
(single sends, and a burst the processor coalesces) and the course's design on the same endpoint.
Also what `cruddur cost` prices besides sends: a conversation start (its first message and both
inbox rows included) and a reader's visit (an inbox page, a page of the conversation, mark read);
and what the chat's other changes cost: an edit and a deletion of the last message (both inbox
previews follow through the stream), a reaction put and taken away (the stream passes over
it), a block and an unblock.

The course's design, emulated here from DESIGN §7 item 2: a GSI on message_group_uuid; per
message, the stream function queries that index for the group's inbox rows, then deletes each
row and puts it back with the new sort key.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.workload import stranger
from cruddur import bootstrap, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.attributes import s
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.costs import prices
from cruddur.domain.clock import format_timestamp, utc_now
from cruddur.domain.model import UserRef
from cruddur.services import blocking, editing, inbox, read_marks, reading, sending
from cruddur.services.context import MessagingContext
from cruddur.stream.poller import StreamPoller
from cruddur.stream.runner import build_poller

COURSE_INDEX = "message-group-sk-index"


def measure(settings: Settings, work_dir: Path, messages: int) -> dict[str, Any]:
    return asyncio.run(_measure(settings, work_dir, messages))


async def _measure(settings: Settings, work_dir: Path, messages: int) -> dict[str, Any]:
    ours = settings.model_copy(
        update={"table_name": "bench-capacity-ours", "data_dir": work_dir / "capacity"}
    )
    meter = CapacityMeter()
    store = storage.build_store(ours, meter=meter)
    dynamo_schema.create_table(
        AwsClients(ours).wire, dynamo_schema.table_definition(ours.table_name)
    )
    ctx = bootstrap.build_messaging(ours, store)
    # The stream's inbox updates count on the same meter: a message's cost includes them.
    poller = build_poller(ours, InboxUpdates(storage.build_table(ours, meter)))
    a, b = stranger(), stranger()
    group = (await sending.start_conversation(ctx, a, b, "first")).group_uuid
    # Each member's first send in a process reads its membership once (then it is cached):
    # warm that up, so the figures are the steady state of a long-running API.
    for member in (a, b):
        (await sending.send_message(ctx, member, group, "warm-up"))
    _drain(poller, 3)
    meter.reset()
    for index in range(messages):
        (await sending.send_message(ctx, a if index % 2 else b, group, "x" * 100))
        _drain(poller, 1)
    single = _per_message(meter, messages)
    meter.reset()
    for index in range(messages):
        (await sending.send_message(ctx, a if index % 2 else b, group, "x" * 100))
    _drain(poller, messages)
    burst = _per_message(meter, messages)
    start, visit = await _start_and_visit(ctx, poller, meter, a, messages)
    changes = await _changes(ctx, poller, meter, a, b, group, messages)
    await store.close()
    course = _course(settings, messages)
    price = prices.load()
    return {
        "ours_single": single | _cost(single, price),
        "ours_burst": burst | _cost(burst, price),
        "ours_start": start,
        "ours_visit": visit,
        **changes,
        "course": course | _cost(course, price),
        "prices": {"region": price["region"], "as_of": price["as_of"]},
    }


async def _start_and_visit(
    ctx: MessagingContext,
    poller: StreamPoller,
    meter: CapacityMeter,
    sender: UserRef,
    count: int,
) -> tuple[dict[str, float], dict[str, float]]:
    """Per conversation start, and per visit of a reader who has one unread message."""
    start = {"read": 0.0, "write": 0.0, "calls": 0.0}
    visit = {"read": 0.0, "write": 0.0, "calls": 0.0}
    for _ in range(count):
        reader = stranger()
        meter.reset()
        group = (await sending.start_conversation(ctx, sender, reader, "x" * 100)).group_uuid
        _drain(poller, 1)
        _add(start, meter)
        meter.reset()
        (await inbox.list_inbox(ctx, reader.uuid))
        (await reading.list_messages(ctx, reader.uuid, group))
        (await read_marks.mark_read(ctx, reader.uuid, group))
        _add(visit, meter)
    return _per(start, count, "start"), _per(visit, count, "visit")


async def _changes(
    ctx: MessagingContext,
    poller: StreamPoller,
    meter: CapacityMeter,
    author: UserRef,
    other: UserRef,
    group: str,
    count: int,
) -> dict[str, dict[str, float]]:
    """Per edit and per deletion of the conversation's last message (stream updates of both
    rows included), per reaction put and taken away, per block and per unblock of a user one
    has a conversation with.

    Both members have read up to the message changed, as in a conversation going on: an inbox
    row then stays under 1 KB. (One whose owner left ~50 or more messages unread is larger: each
    write of it, and of its index entry, costs a unit more, for a send as for an edit.)"""
    totals = {what: {"read": 0.0, "write": 0.0, "calls": 0.0} for what in _CHANGES}
    for _ in range(count):
        sent = (await sending.send_message(ctx, author, group, "x" * 100)).message_uuid
        _drain(poller, 1)
        for member in (author, other):
            (await read_marks.mark_read(ctx, member.uuid, group))
        for what in _CHANGES:
            meter.reset()
            if what == "edit":
                (await editing.edit_message(ctx, author, group, sent, "y" * 100))
            elif what in ("react", "unreact"):
                present = what == "react"
                (await editing.react(ctx, other, group, sent, "👍", present=present))
            elif what == "delete":
                (await editing.delete_message(ctx, author, group, sent))
            elif what == "block":
                (await blocking.block(ctx, author, other))
            else:
                (await blocking.unblock(ctx, author, other))
            if what in ("edit", "react", "unreact", "delete"):
                _drain(poller, 1)  # both previews follow an edit; a reaction's record is read
            _add(totals[what], meter)
    return {f"ours_{what}": _per(totals[what], count, what) for what in _CHANGES}


_CHANGES = ("edit", "react", "unreact", "delete", "block", "unblock")


def _add(total: dict[str, float], meter: CapacityMeter) -> None:
    total["read"] += meter.read_units
    total["write"] += meter.write_units
    total["calls"] += meter.calls


def _per(total: dict[str, float], count: int, what: str) -> dict[str, float]:
    return {
        f"wcu_per_{what}": round(total["write"] / count, 3),
        f"rcu_per_{what}": round(total["read"] / count, 3),
        f"calls_per_{what}": round(total["calls"] / count, 3),
    }


def _drain(poller: StreamPoller, expected: int) -> None:
    seen, deadline = 0, time.monotonic() + 30
    while seen < expected and time.monotonic() < deadline:
        seen += poller.poll_once()


def _per_message(meter: CapacityMeter, messages: int) -> dict[str, float]:
    total = {"read": meter.read_units, "write": meter.write_units, "calls": float(meter.calls)}
    return _per(total, messages, "message")


def _cost(per_message: dict[str, float], price: dict[str, Any]) -> dict[str, float]:
    ddb = price["dynamodb"]
    usd = (
        per_message["wcu_per_message"] * ddb["usd_per_million_write_request_units"]
        + per_message["rcu_per_message"] * ddb["usd_per_million_read_request_units"]
    )
    return {"usd_per_million_messages": round(usd, 3)}


def _course(settings: Settings, messages: int) -> dict[str, float]:
    client = AwsClients(settings).dynamodb()
    table = "bench-capacity-course"
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "message_group_uuid")
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": COURSE_INDEX,
                "KeySchema": [
                    {"AttributeName": "message_group_uuid", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
    meter = CapacityMeter()
    a, b, group = stranger(), stranger(), "course-group"
    for owner, other in ((a, b), (b, a)):
        client.put_item(TableName=table, Item=_course_row(owner.uuid, other, group, "0", "hi"))
    for index in range(messages):
        created_at = format_timestamp(utc_now())
        sender = a if index % 2 else b
        message = {
            "pk": s(f"MSG#{group}"),  # the course's own key shapes, emulated
            "sk": s(created_at),
            "message_uuid": s(f"m{index}"),
            "message": s("x" * 100),
            "user_uuid": s(sender.uuid),
            "user_handle": s(sender.handle),
            "user_display_name": s(sender.display_name),
        }
        put = client.put_item(TableName=table, Item=message, ReturnConsumedCapacity="TOTAL")
        meter.add(put["ConsumedCapacity"], write=True)
        rows = client.query(
            TableName=table,
            IndexName=COURSE_INDEX,
            KeyConditionExpression="message_group_uuid = :g",
            ExpressionAttributeValues={":g": s(group)},
            ReturnConsumedCapacity="TOTAL",
        )
        meter.add(rows["ConsumedCapacity"])
        for row in rows["Items"]:
            key = {"pk": row["pk"], "sk": row["sk"]}
            gone = client.delete_item(TableName=table, Key=key, ReturnConsumedCapacity="TOTAL")
            meter.add(gone["ConsumedCapacity"], write=True)
            moved: dict[str, Any] = {
                **row,
                "sk": s(created_at),
                "message": s("x" * 100),
            }
            back = client.put_item(TableName=table, Item=moved, ReturnConsumedCapacity="TOTAL")
            meter.add(back["ConsumedCapacity"], write=True)
    return _per_message(meter, messages)


def _course_row(owner: str, other: Any, group: str, sk: str, text: str) -> dict[str, Any]:
    return {
        "pk": s(f"GRP#{owner}"),
        "sk": s(sk),
        "message_group_uuid": s(group),
        "message": s(text),
        "user_uuid": s(other.uuid),
        "user_handle": s(other.handle),
        "user_display_name": s(other.display_name),
    }
