"""(4b) `cruddur ddb repair-inboxes --all`, as an operator runs it, over a table of many
conversations: a pass over a sound table (it changes nothing), one after a tenth of the rows
were lost and another tenth miscounted (it rebuilds them), and one more (nothing left to do).
Time and capacity are the command's own summary lines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.rig import emulator, target_args
from bench.scaling import Loader, _write_all
from bench.workload import stranger
from cruddur import storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import inbox_items, message_items, pair_items
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.attributes import UNREAD
from cruddur.config import Settings
from cruddur.domain import keys
from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import Message

BUDGET_WCU = 1000  # the bench's budget: DynamoDB Local has no provisioned limit to protect
SUMMARY = re.compile(
    r"(\d+) conversations checked in ([\d.]+) s: (\d+) rows (?:\w+ )+created, "
    r"(\d+) (?:\w+ )+rewritten, (\d+) conversations left as is"
)
CAPACITY = re.compile(r"consumed capacity: ([\d.e+-]+) RCU, ([\d.e+-]+) WCU over (\d+) calls")


def measure(settings: Settings, conversations: int, *, fresh: bool = True) -> dict[str, Any]:
    # Its own DynamoDB Local (`fresh`): the rig's holds the scaling step's 100,000 items by now,
    # and an in-memory emulator that large loads and scans several times slower than a fresh one.
    # The data dir (and so the sealing keys) stays the rig's.
    with emulator(settings, fresh=fresh) as endpoint:
        table = settings.model_copy(
            update={"aws_endpoint_url": endpoint, "table_name": "bench-repair"}
        )
        return _measure(table, conversations)


def _measure(table: Settings, conversations: int) -> dict[str, Any]:
    dynamo_schema.create_table(
        AwsClients(table).wire, dynamo_schema.table_definition(table.table_name)
    )
    loader = Loader(storage.build_table(table), storage.build_sealer(table))
    rows = _load(loader, conversations)
    sound = _run(table)
    lost, miscounted = rows[::10], rows[5::10]
    for row in lost:
        loader.table.call(
            "DeleteItem",
            {"TableName": loader.table.name, "Key": {k: row[k] for k in (keys.PK, keys.SK)}},
        )
    for row in miscounted:
        loader.table.call(
            "UpdateItem",
            {
                "TableName": loader.table.name,
                "Key": {k: row[k] for k in (keys.PK, keys.SK)},
                "UpdateExpression": f"ADD {UNREAD} :t",
                "ExpressionAttributeValues": {":t": {"BS": [os.urandom(8)]}},
            },
        )
    damaged = _run(table)
    again = _run(table)
    return {
        "conversations": conversations,
        "rows_damaged": len(lost) + len(miscounted),
        "sound": sound,
        "damaged": damaged,
        "again": again,
    }


def _load(loader: Loader, conversations: int) -> list[dict[str, Any]]:
    """Each conversation: its pair, three messages (two one way, one back), both rows as the
    processor leaves them. The rows, for damaging."""
    everything, rows = [], []
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(conversations):
        a, b, group = stranger(), stranger(), str(uuid.uuid4())
        members = (a.uuid, b.uuid)
        sent = [
            Message(
                group,
                str(uuid.uuid4()),
                text,
                format_timestamp(start + timedelta(seconds=n * 3 + i)),
                who,
                members,
            )
            for i, (who, text) in enumerate(((a, "hello"), (a, "are you there?"), (b, "yes")))
        ]
        stored = [message_items.message_item(m, loader.sealer) for m in sent]
        latest = message_items.last_message_of(stored[-1])
        row_a = inbox_items.inbox_row(a.uuid, b, latest, frozenset({sent[2].sort_key}))
        row_b = inbox_items.inbox_row(
            b.uuid, a, latest, frozenset({sent[0].sort_key, sent[1].sort_key})
        )
        everything += [pair_items.pair_item(a, b, group), *stored, row_a, row_b]
        rows += [row_a, row_b]
    _write_all(loader, everything)
    return rows


def _run(settings: Settings) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "cruddur",
            "--log-level",
            "WARNING",
            "ddb",
            "repair-inboxes",
            *target_args(settings),
            "--all",
            "--wcu",
            str(BUDGET_WCU),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"repair-inboxes failed: {done.stderr[-2000:]}")
    summary = SUMMARY.search(done.stderr)
    capacity = CAPACITY.search(done.stderr)
    assert summary is not None, done.stderr[-2000:]
    assert capacity is not None, done.stderr[-2000:]
    checked, seconds, created, rewritten, left = summary.groups()
    return {
        "checked": int(checked),
        "seconds": float(seconds),
        "conversations_per_second": round(int(checked) / max(float(seconds), 1e-9), 1),
        "rows_created": int(created),
        "rows_rewritten": int(rewritten),
        "left_as_is": int(left),
        "rcu": float(capacity.group(1)),
        "wcu": float(capacity.group(2)),
        "calls": int(capacity.group(3)),
    }
