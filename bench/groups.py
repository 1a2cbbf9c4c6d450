"""(3b) Group conversations beside a direct one: what a message costs in a group of 3, 10 and 50,
and what a group does to a send, to the stream's lag and to a page.

(a) Capacity, counted (ReturnConsumedCapacity), not timed: on a table of its own through the
    services, as step (3) measures a direct conversation, with the stream processor in this
    process on a meter of its own. Per message: single sends (each applied alone), bursts of
    20 back to back that the processor coalesces (one update of each member's row and one read
    of the membership item for the lot), and single sends once every row is at the unread cap
    (nobody read: each row's update then fails its fast condition and reads the row first).
    Also a group's start (`POST /api/message_groups`: one transaction, and its event item
    fanned out) and a change of it (a rename: the membership item, every row refreshed, its
    event item fanned out).
(b) Send p50 over HTTP into each group and into a direct conversation, interleaved in one loop
    (no stream processing meanwhile, as step (1)'s sends): the API writes one message either
    way, but checks a group member's row on every send (a direct pair's is remembered).
(c) Stream lag at a steady rate into the largest group and into the direct conversation, in
    alternating blocks of each (everyone has read before each block), by the stream poller in
    its own process (`bench.group_poller`): each message's `BatchResult.lags_ms`, from its
    creation by the API to every member's row applied.
(d) A page of 20 messages written by 10 authors in the largest group beside 20 by the direct
    conversation's two: its p50 over HTTP, interleaved; and the key reads it takes in a fresh
    process (a fresh sealer: nothing unwrapped yet) and again (warm), counted on the keys
    table and the data key (DATAKEY) items.

`python -m bench.groups` runs this step alone on a rig of its own (`--tiny`: seconds).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import httpx

from bench.rig import Rig, rig, stop_process, target_args
from bench.stats import Summary, head_commit, ratio, timed
from bench.workload import Account, KeepAliveClient, send, sign_up, start, stranger
from cruddur import bootstrap, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.crypto.sealing import Sealer
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import LAST_MESSAGE_SK
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.group_members import GroupMembers
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.config import Settings
from cruddur.costs import prices as price_data
from cruddur.costs.inputs import MeasuredUnits, Workload, parse_group_mix
from cruddur.costs.model import estimate
from cruddur.costs.sizes import item_bytes
from cruddur.domain.model import UNREAD_CAP, User, UserRef
from cruddur.errors import CruddurError, NotFound
from cruddur.services import group_changes, groups, read_marks, reading, sending
from cruddur.services.context import MessagingContext
from cruddur.stream.poller import StreamPoller
from cruddur.stream.runner import build_poller

SIZES = (3, 10, 50)
BURST = 20  # messages sent back to back, then applied by the stream as one batch
LAG_RATE = 10.0  # messages a second: a busy conversation, far below what the system sustains
PAGE = 20
AUTHORS = 10  # the page's authors in a group (its first members); a direct one has two
WARMUP = 10  # interleaved rounds before the samples count
LAG_WARMUP = 10  # messages of each kind at the rate before the lag's blocks count
# Messages that bring every row to the unread cap: a direct row takes the other's half of them.
CAP_FILL = 2 * UNREAD_CAP + 2
LAG_BLOCK = UNREAD_CAP // 2  # messages a block: a row that was read stays below the unread cap
TEXT = "x" * 100
# The targets of the issue (section 4), each a ratio measured in one run.
SEND_TARGET, LAG_TARGET, PAGE_TARGET = 1.2, 2.0, 1.3
COLD_KEY_BATCHES, WARM_KEY_BATCHES = 1, 0
# The month `cruddur cost` prices for the figures: the same messages all direct, and a mix.
MONTH_MESSAGES, MONTH_USERS, MONTH_PER_CONVERSATION = 100_000, 5_000, 20
MONTH_MIX = "3:0.2,10:0.1,50:0.02"


def measure(
    system: Rig,
    work_dir: Path,
    sizes: Sequence[int] = SIZES,
    messages: int = 20,
    lag_messages: int = 200,
    iterations: int = 300,
    lag_rate: float = LAG_RATE,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Every figure of the step. `system`'s stream poller must not be running (never started,
    or `Rig.stop_poller`): (c) runs one of its own, from the checkpoint the rig's left."""
    sizes = tuple(sorted(set(sizes)))
    if sizes[0] < 3:
        raise ValueError("a group has at least 3 members")
    progress(f"    … capacity per message in groups of {', '.join(map(str, sizes))} …")
    capacity = asyncio.run(_capacity(system.settings, work_dir, sizes, messages))
    progress("    … sends, pages and stream lag over HTTP …")
    http = _over_http(system, sizes, iterations, lag_messages, lag_rate, progress)
    return {"sizes": list(sizes), "largest": sizes[-1], "capacity": capacity, **http}


# (a) Capacity --------------------------------------------------------------------------------


class _Directory:
    """The users directory of the in-process starts: these people, by handle."""

    def __init__(self, people: Sequence[UserRef]) -> None:
        self._users = {
            p.handle: User(p.uuid, p.handle, p.display_name, f"{p.handle}@example.org", None, None)
            for p in people
        }

    def by_handle(self, handle: str) -> User:
        try:
            return self._users[handle.lower()]
        except KeyError:
            raise NotFound(f"no user @{handle}") from None


class Calls:
    """Calls of blocking tables, by table and action (and the keys a BatchGetItem asked for),
    counted by wrapping each table's `call`."""

    def __init__(self, *tables: DynamoTable) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.keys: Counter[str] = Counter()
        self._lock = threading.Lock()
        for table in tables:
            self._wrap(table)

    def _wrap(self, table: DynamoTable) -> None:
        call = table.call

        def counted(
            action: str, payload: dict[str, Any], passthrough: tuple[str, ...] = ()
        ) -> dict[str, Any]:
            with self._lock:
                self.counts[(table.name, action)] += 1
                if action == "BatchGetItem":
                    asked = payload.get("RequestItems", {}).get(table.name, {})
                    self.keys[table.name] += len(asked.get("Keys", []))
            return call(action, payload, passthrough)

        table.call = counted  # type: ignore[method-assign]

    def snapshot(self) -> tuple[Counter[tuple[str, str]], Counter[str]]:
        with self._lock:
            return Counter(self.counts), Counter(self.keys)


def transaction_wcu(payload: dict[str, Any]) -> float:
    """Write units DynamoDB bills for a TransactWriteItems: 2 per KB of each item written (a
    deletion, an update or a check of an item whose size the request does not hold counted as
    1 KB), and a new row's copy in the inbox index at the standard 1 per KB. DynamoDB Local
    reports the first item's share alone (2 WCU for 1 item, 3 or 10 alike), so the bench
    counts a transaction from what it writes."""
    units = 0.0
    for entry in payload.get("TransactItems", []):
        ((kind, body),) = entry.items()
        if kind != "Put":
            units += 2
            continue
        size = math.ceil(item_bytes(body["Item"]) / 1024)
        units += 2 * size + (size if LAST_MESSAGE_SK in body["Item"] else 0)
    return units


class PricedTransactions:
    """The API's table, its transactions metered at `transaction_wcu` rather than at what
    DynamoDB Local reports; `added` is the write units that changed by."""

    def __init__(self, table: AsyncTable) -> None:
        self.added = 0.0
        call = table.call

        async def priced(
            action: str, payload: dict[str, Any], passthrough: tuple[str, ...] = ()
        ) -> dict[str, Any]:
            answer = await call(action, payload, passthrough)
            if action == "TransactWriteItems":
                reported = sum(
                    float(entry.get("WriteCapacityUnits") or entry.get("CapacityUnits") or 0.0)
                    for entry in answer.get("ConsumedCapacity", [])
                )
                delta = transaction_wcu(payload) - reported
                table.meter.write_units += delta
                self.added += delta
            return answer

        table.call = priced  # type: ignore[method-assign]


@dataclasses.dataclass
class _Meters:
    """The API's meter, the stream processor's, and the processor's calls and membership reads."""

    api: CapacityMeter
    stream: CapacityMeter
    calls: Calls
    members: GroupMembers
    transactions: PricedTransactions
    _reads_from: int = 0
    _added_from: float = 0.0

    def reset(self) -> None:
        self.api.reset()
        self.stream.reset()
        self.calls.counts.clear()
        self._reads_from = self.members.reads
        self._added_from = self.transactions.added

    def per(self, count: int, what: str) -> dict[str, float]:
        def each(value: float) -> float:
            return round(value / count, 3)

        updates = sum(n for (_, action), n in self.calls.counts.items() if action == "UpdateItem")
        return {
            f"wcu_per_{what}": each(self.api.write_units + self.stream.write_units),
            f"rcu_per_{what}": each(self.api.read_units + self.stream.read_units),
            f"calls_per_{what}": each(self.api.calls + self.stream.calls),
            f"api_wcu_per_{what}": each(self.api.write_units),
            f"api_rcu_per_{what}": each(self.api.read_units),
            f"stream_wcu_per_{what}": each(self.stream.write_units),
            f"stream_rcu_per_{what}": each(self.stream.read_units),
            f"row_updates_per_{what}": each(updates),
            f"membership_reads_per_{what}": each(self.members.reads - self._reads_from),
            # Transactions' write units beyond what DynamoDB Local reported (included above).
            f"transaction_wcu_added_per_{what}": each(self.transactions.added - self._added_from),
        }


async def _capacity(
    settings: Settings, work_dir: Path, sizes: Sequence[int], messages: int
) -> dict[str, Any]:
    ours = settings.model_copy(
        update={
            "table_name": "bench-groups",
            "keys_table_name": "bench-groups-keys",
            "data_dir": work_dir / "groups",
        }
    )
    dynamo_schema.create_table(
        AwsClients(ours).wire, dynamo_schema.table_definition(ours.table_name)
    )
    api = CapacityMeter()
    store = storage.build_store(ours, meter=api)
    ctx = bootstrap.build_messaging(ours, store)
    stream = CapacityMeter()
    # Rows one UpdateItem each: DynamoDB Local reports no capacity for the PartiQL statements
    # the processor sends a group's rows in, and DynamoDB bills each as that UpdateItem.
    updates = InboxUpdates(storage.build_table(ours, stream), statements=False)
    priced = PricedTransactions(store.table)
    meters = _Meters(api, stream, Calls(updates.table), updates.groups, priced)
    poller = build_poller(ours, updates)
    people = [stranger() for _ in range(max(sizes))]
    directory = _Directory(people)
    try:
        direct = (await sending.start_conversation(ctx, people[0], people[1], "first")).group_uuid
        _drain(poller, 1)
        pair = people[:2]
        result: dict[str, Any] = {
            "burst": BURST,
            "direct": await _sends(ctx, poller, meters, direct, pair, messages)
            | {"at_cap": await _at_cap(ctx, poller, meters, direct, pair, messages)},
        }
        measured = []
        for size in sizes:
            meters.reset()
            handles = [p.handle for p in people[1:size]]
            conversation, _ = await groups.start(ctx, directory, people[0], handles)
            _drain(poller, 1)
            started = meters.per(1, "start")
            group = conversation.entry.group_uuid
            entry: dict[str, Any] = {"size": size, "start": started}
            entry |= await _sends(ctx, poller, meters, group, people[:size], messages)
            await _all_read(ctx, poller, group, people[:size])
            changes = max(1, messages // 10)
            meters.reset()
            for index in range(changes):
                await group_changes.rename(ctx, people[0], group, f"Bench group {index}")
                _drain(poller, 1)
            entry["change"] = meters.per(changes, "change")
            entry["at_cap"] = await _at_cap(ctx, poller, meters, group, people[:size], messages)
            measured.append(entry)
        result["sizes"] = measured
        return result
    finally:
        await store.close()


async def _sends(
    ctx: MessagingContext,
    poller: StreamPoller,
    meters: _Meters,
    group: str,
    members: Sequence[UserRef],
    messages: int,
) -> dict[str, Any]:
    """Per message: single sends, then bursts, from up to AUTHORS members in turn. Everyone has
    read up to date before each (rows stay near 1 KB, as in a conversation going on)."""
    senders = members[:AUTHORS]
    # Each author's first send in a process makes or reads their key (and, for a direct pair,
    # reads the membership once): the steady state of a long-running API is after it.
    for sender in senders:
        await sending.send_message(ctx, sender, group, "warm-up")
    _drain(poller, len(senders))
    await _all_read(ctx, poller, group, members)
    meters.reset()
    for index in range(messages):
        await sending.send_message(ctx, senders[index % len(senders)], group, TEXT)
        _drain(poller, 1)
    single = meters.per(messages, "message")
    await _all_read(ctx, poller, group, members)
    meters.reset()
    sent = batches = 0
    while sent < messages:
        count = min(BURST, messages - sent)
        for index in range(count):
            await sending.send_message(ctx, senders[(sent + index) % len(senders)], group, TEXT)
        _drain(poller, count)
        sent, batches = sent + count, batches + 1
    burst = meters.per(messages, "message") | {"bursts": batches}
    return {"single": single, "burst": burst}


async def _at_cap(
    ctx: MessagingContext,
    poller: StreamPoller,
    meters: _Meters,
    group: str,
    members: Sequence[UserRef],
    messages: int,
) -> dict[str, float]:
    """Per message, single sends once every row is at the unread cap."""
    senders = members[:AUTHORS]
    # Nobody reads: every row fills up to the unread cap (a row's first UNREAD_CAP unread
    # messages; "99+" past them), as in a large group most members' rows soon are.
    filled = 0
    while filled < CAP_FILL:
        count = min(BURST, CAP_FILL - filled)
        for index in range(count):
            await sending.send_message(ctx, senders[(filled + index) % len(senders)], group, TEXT)
        _drain(poller, count)
        filled += count
    meters.reset()
    for index in range(messages):
        await sending.send_message(ctx, senders[index % len(senders)], group, TEXT)
        _drain(poller, 1)
    return meters.per(messages, "message")


async def _all_read(
    ctx: MessagingContext, poller: StreamPoller, group: str, members: Sequence[UserRef]
) -> None:
    for member in members:
        await read_marks.mark_read(ctx, member.uuid, group)
    _drain(poller, 1)  # the rows' own records: passed over, but read before the meters reset


def _drain(poller: StreamPoller, expected: int, limit: float = 60.0) -> None:
    """Poll until at least `expected` records were seen and then two polls in a row saw none
    (the processor's own row writes come back as records, passed over)."""
    seen, quiet, deadline = 0, 0, time.monotonic() + limit
    while time.monotonic() < deadline:
        found = poller.poll_once()
        seen += found
        quiet = 0 if found else quiet + 1
        if seen >= expected and quiet >= 2:
            return
        if not found:
            time.sleep(0.01)
    raise RuntimeError(f"the stream did not settle within {limit:.0f} s")


# (b), (c), (d) over HTTP ---------------------------------------------------------------------


def _over_http(
    system: Rig,
    sizes: Sequence[int],
    iterations: int,
    lag_messages: int,
    lag_rate: float,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    largest = sizes[-1]
    with httpx.Client(base_url=system.api_url, timeout=30) as http:
        accounts = [sign_up(http, "group") for _ in range(largest)]
        direct = start(http, accounts[0], accounts[1].user.handle, "hi")
        made = {size: _start_group(http, accounts[0], accounts[1:size]) for size in sizes}
    client = KeepAliveClient(system.api_url)
    try:
        sends = _send_p50(client, accounts[0], direct, made, iterations)
        with _poller(system) as poller:
            poller.wait_for(_sort_key(send(client, accounts[0], direct, "caught up?")), 300)
            progress("    … a page of 20 from 10 authors …")
            pages = _pages(system, client, accounts, direct, made[largest], iterations, poller)
            progress(f"    … stream lag at {lag_rate:g} msg/s …")
            lag = _lag(
                system.api_url,
                client,
                accounts,
                direct,
                made[largest],
                lag_messages,
                lag_rate,
                poller,
            )
    finally:
        client.close()
    return {"send": sends, "page": pages, "lag": lag}


def _start_group(http: httpx.Client, creator: Account, others: Sequence[Account]) -> str:
    body = {"handles": [other.user.handle for other in others]}
    response = http.post("/api/message_groups", json=body, headers=creator.auth)
    response.raise_for_status()
    return str(response.json()["uuid"])


def _sort_key(sent: dict[str, str]) -> str:
    return f"{sent['created_at']}#{sent['uuid']}"


def _interleaved(
    operations: dict[str, Callable[[], object]], iterations: int
) -> dict[str, list[float]]:
    """Each operation once a round, the order turning every round, WARMUP rounds not counted."""
    names = list(operations)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for iteration in range(WARMUP + iterations):
        shift = iteration % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = timed(operations[name])
            if iteration >= WARMUP:
                samples[name].append(elapsed)
    return samples


def _send_p50(
    client: KeepAliveClient,
    sender: Account,
    direct: str,
    made: dict[int, str],
    iterations: int,
) -> dict[str, Any]:
    """(b) The same sender's sends into the direct conversation and each group, in turns."""

    def sending_to(group: str) -> Callable[[], object]:
        return lambda: send(client, sender, group, TEXT)

    operations = {"direct": sending_to(direct)}
    operations |= {f"group_{size}": sending_to(group) for size, group in made.items()}
    summaries = {name: Summary.of(s) for name, s in _interleaved(operations, iterations).items()}
    direct_p50 = summaries["direct"].p50_ms
    result: dict[str, Any] = {name: s.as_dict() for name, s in summaries.items()}
    result["over_direct_p50"] = {
        str(size): round(ratio(summaries[f"group_{size}"].p50_ms, direct_p50), 3) for size in made
    }
    result["largest_over_direct_p50"] = result["over_direct_p50"][str(max(made))]
    return result


class _PollerProcess:
    """`bench.group_poller` in its own process, its lines read on a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.batches: list[dict[str, Any]] = []
        self.newest = ""
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            if line.strip() == "ready":
                self._reader.start()
                return
        raise RuntimeError("the group stream poller did not start")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                batch = json.loads(line)
            except json.JSONDecodeError:
                continue
            with self._lock:
                self.batches.append(batch)
                self.newest = max(self.newest, batch["newest"])

    def mark(self) -> int:
        with self._lock:
            return len(self.batches)

    def since(self, mark: int) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.batches[mark:])

    def totals(self) -> dict[str, float]:
        """The poller's running counts, as of its last batch with messages."""
        names = ("row_updates", "membership_reads", "rcu")
        with self._lock:
            last = self.batches[-1] if self.batches else {}
        return {name: float(last.get(name, 0)) for name in names}

    def wait_for(self, sort_key: str, limit: float = 60.0) -> None:
        """Until a batch applied the message of this sort key (and so all before it)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self._lock:
                if self.newest >= sort_key:
                    return
            if self.process.poll() is not None:
                raise RuntimeError("the group stream poller stopped")
            time.sleep(0.005)
        raise RuntimeError(f"the stream did not apply a message within {limit:.0f} s")


@contextmanager
def _poller(system: Rig) -> Iterator[_PollerProcess]:
    command = [sys.executable, "-m", "bench.group_poller", *target_args(system.settings)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 - our own command
        command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env
    )
    poller = _PollerProcess(process)
    try:
        poller.start()
        yield poller
    finally:
        stop_process(process)


def _pages(
    system: Rig,
    client: KeepAliveClient,
    accounts: Sequence[Account],
    direct: str,
    group: str,
    iterations: int,
    poller: _PollerProcess,
) -> dict[str, Any]:
    """(d) The newest PAGE messages: in the group by its first AUTHORS members in turn, in the
    direct conversation by its two; the page p50 of each, interleaved, and the key reads."""
    authors = accounts[:AUTHORS]
    newest = ""
    for index in range(PAGE):
        words = f"message {index} of the page: about the weather and the week ahead"
        sent = send(client, authors[index % len(authors)], group, words)
        newest = max(newest, _sort_key(sent))
        newest = max(newest, _sort_key(send(client, accounts[index % 2], direct, words)))
    poller.wait_for(newest)  # every row shows its conversation's newest message
    viewer = accounts[0]
    paths = {"direct": f"/api/messages/{direct}?limit={PAGE}", "group": f"/api/messages/{group}"}
    paths["group"] += f"?limit={PAGE}"
    shown = client.get(paths["group"], viewer.auth)
    operations = {name: _getting(client, path, viewer) for name, path in paths.items()}
    summaries = {name: Summary.of(s) for name, s in _interleaved(operations, iterations).items()}
    return {
        "messages": len(shown),
        "authors": len({m["user_uuid"] for m in shown}),
        **{name: s.as_dict() for name, s in summaries.items()},
        "group_over_direct_p50": round(
            ratio(summaries["group"].p50_ms, summaries["direct"].p50_ms), 3
        ),
        "key_reads": {
            "group": asyncio.run(_key_reads(system.settings, viewer.user.uuid, group)),
            "direct": asyncio.run(_key_reads(system.settings, viewer.user.uuid, direct)),
        },
    }


def _getting(client: KeepAliveClient, path: str, viewer: Account) -> Callable[[], object]:
    return lambda: client.get(path, viewer.auth)


async def _key_reads(settings: Settings, viewer: str, group: str) -> dict[str, Any]:
    """Reads of the keys table (user keys) and of data key items for a page, in a process that
    has unwrapped nothing yet (a fresh store and sealer: cold), then for the same page again."""
    store = storage.build_store(settings)
    sealer = store.table.sealer
    assert isinstance(sealer, Sealer)
    assert sealer.user_keys is not None
    keys_table, data_keys_table = sealer.user_keys.table, sealer.data_keys.table
    calls = Calls(keys_table, data_keys_table)
    ctx = bootstrap.build_messaging(settings, store)

    def reads(before: tuple[Counter[tuple[str, str]], Counter[str]]) -> dict[str, int]:
        counts, asked = calls.snapshot()
        counts.subtract(before[0])
        asked.subtract(before[1])
        return {
            "batches": counts[(keys_table.name, "BatchGetItem")],
            "keys": asked[keys_table.name],
            "data_key_reads": sum(
                n for (table, _), n in counts.items() if table == data_keys_table.name
            ),
        }

    try:
        before = calls.snapshot()
        page = await reading.list_messages(ctx, viewer, group, PAGE)
        cold = reads(before)
        before = calls.snapshot()
        await reading.list_messages(ctx, viewer, group, PAGE)
        warm = reads(before)
    finally:
        await store.close()
    return {"authors": len({m.sender.uuid for m in page.items}), "cold": cold, "warm": warm}


def _lag(
    api_url: str,
    client: KeepAliveClient,
    accounts: Sequence[Account],
    direct: str,
    group: str,
    messages: int,
    rate: float,
    poller: _PollerProcess,
) -> dict[str, Any]:
    """(c) `messages` of each kind at `rate`, in blocks of at most LAG_BLOCK: direct then group,
    group then direct, and so on, after a shorter block of each not counted (the poller
    process's first batches of each kind). Each block is applied in full before the next
    starts, so each batch is one conversation's; every member has read up to date before each,
    so no row reaches the unread cap (past it every update reads the row first: the capacity's
    `at_cap` figures)."""
    where = {"direct": direct, "group": group}
    senders = {"direct": accounts[:2], "group": accounts[:AUTHORS]}
    readers = {"direct": accounts[:2], "group": accounts}
    lags: dict[str, list[float]] = {"direct": [], "group": []}
    totals: dict[str, dict[str, float]] = {kind: defaultdict(float) for kind in where}
    batches = Counter[str]()

    def block(kind: str, count: int) -> None:
        for reader in readers[kind]:
            answer = reads.post(f"/api/message_groups/{where[kind]}/read", headers=reader.auth)
            answer.raise_for_status()
        newest, started = "", time.perf_counter()
        for index in range(count):
            due = started + index / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            sender = senders[kind][index % len(senders[kind])]
            newest = max(newest, _sort_key(send(client, sender, where[kind], f"lag {index}")))
        poller.wait_for(newest, 120)

    size = min(LAG_BLOCK, messages)
    counts = [min(size, messages - start) for start in range(0, messages, size)]
    with httpx.Client(base_url=api_url, timeout=30) as reads:
        for kind in where:
            block(kind, min(messages, LAG_WARMUP))
        for number, count in enumerate(counts):
            for kind in ("direct", "group") if number % 2 == 0 else ("group", "direct"):
                mark, before = poller.mark(), poller.totals()
                block(kind, count)
                for batch in poller.since(mark):
                    if batch["groups"] == [where[kind]]:
                        lags[kind] += [lag / 1000 for lag in batch["lags_ms"]]
                        batches[kind] += 1
                after = poller.totals()
                for name, value in after.items():
                    totals[kind][name] += value - before[name]
    summaries = {kind: Summary.of(values) for kind, values in lags.items()}
    sent = messages

    def per(kind: str, name: str, count: float) -> float:
        return round(totals[kind][name] / count, 3) if count else math.nan

    return {
        "rate": rate,
        "messages_each": sent,
        **{kind: s.as_dict() for kind, s in summaries.items()},
        "group_over_direct_p99": round(
            ratio(summaries["group"].p99_ms, summaries["direct"].p99_ms), 3
        ),
        "group_over_direct_p50": round(
            ratio(summaries["group"].p50_ms, summaries["direct"].p50_ms), 3
        ),
        "batches": dict(batches),
        "messages_per_group_batch": round(sent / batches["group"], 2) if batches["group"] else 0,
        "membership_reads_per_group_batch": per("group", "membership_reads", batches["group"]),
        "row_updates_per_group_message": per("group", "row_updates", sent),
        # No write units here: DynamoDB Local reports none for a group's PartiQL statements
        # (the capacity figures, (a), write the same rows one UpdateItem each).
        "stream_rcu_per_group_message": per("group", "rcu", sent),
    }


# Targets, the printed table, docs/benchmarks.md ---------------------------------------------

# docs/benchmarks.md's section of this step, rebuilt by `python -m bench.latest` after a full
# run and by `python -m bench.groups --docs` after this step alone.
SECTION_BEGIN, SECTION_END = "<!-- group figures: begin -->", "<!-- group figures: end -->"
TARGET_PREFIX = "groups: "


def is_target(name: str) -> bool:
    return name.startswith(TARGET_PREFIX)


def targets(results: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The issue's ratios, each judged in this run (names carry the sizes and rate measured)."""
    if results is None:
        return []
    largest, lag, page = results["largest"], results["lag"], results["page"]
    keys = page["key_reads"]["group"]
    checked = [
        (
            f"{TARGET_PREFIX}send p50, a group of {largest} / direct",
            results["send"]["largest_over_direct_p50"],
            SEND_TARGET,
        ),
        (
            f"{TARGET_PREFIX}stream lag p99 at {lag['rate']:g} msg/s, "
            f"a group of {largest} / direct",
            lag["group_over_direct_p99"],
            LAG_TARGET,
        ),
        (
            f"{TARGET_PREFIX}page p50 ({page['messages']} from {page['authors']} authors) / direct",
            page["group_over_direct_p50"],
            PAGE_TARGET,
        ),
        (
            f"{TARGET_PREFIX}key reads of a cold page from {keys['authors']} authors (batches)",
            keys["cold"]["batches"],
            COLD_KEY_BATCHES,
        ),
        (
            f"{TARGET_PREFIX}key reads of the page warm (batches)",
            keys["warm"]["batches"],
            WARM_KEY_BATCHES,
        ),
    ]
    return [
        {"target": name, "value": value, "limit": limit, "met": value <= limit}
        for name, value, limit in checked
    ]


def month(results: dict[str, Any]) -> dict[str, Any] | None:
    """`cruddur cost` on this run's units: MONTH's messages all direct, and with MONTH_MIX."""
    if "capacity" not in results or "groups" not in results:
        return None
    units = MeasuredUnits.from_bench(results)
    prices = price_data.load()

    def workload(mix: str) -> Workload:
        return Workload(
            messages_per_day=MONTH_MESSAGES,
            active_users=MONTH_USERS,
            messages_per_conversation=MONTH_PER_CONVERSATION,
            group_mix=parse_group_mix(mix),
        )

    plain = estimate(workload(""), units, prices)
    mixed = estimate(workload(MONTH_MIX), units, prices)
    return {
        "mix": MONTH_MIX,
        "direct": {"table": plain.on_demand.usd, "total": plain.total_on_demand},
        "mixed": {"table": mixed.on_demand.usd, "total": mixed.total_on_demand},
    }


def _capacity_rows(capacity: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("direct", capacity["direct"])] + [
        (f"group of {entry['size']}", entry) for entry in capacity["sizes"]
    ]


def table_lines(results: dict[str, Any]) -> list[str]:
    """The step's lines in the printed table."""
    seen = results.get("groups")
    if seen is None:
        return []
    capacity, send_, lag, page = seen["capacity"], seen["send"], seen["lag"], seen["page"]
    lines = [
        "",
        "Group conversations (3b): capacity per message, the stream's row updates included",
        f"{'':16}{'single':>8}{'RCU':>6}{'rows':>6}{'burst':>8}{'RCU':>6}{'99+':>8}{'RCU':>6}"
        f"{'start':>8}{'change':>8}",
    ]
    for name, entry in _capacity_rows(capacity):
        line = f"  {name:14}"
        for kind in ("single", "burst", "at_cap"):
            figures = entry[kind]
            line += f"{figures['wcu_per_message']:>8.2f}{figures['rcu_per_message']:>6.2f}"
            if kind == "single":
                line += f"{figures['row_updates_per_message']:>6.1f}"
        if "start" in entry:
            line += f"{entry['start']['wcu_per_start']:>8.1f}"
            line += f"{entry['change']['wcu_per_change']:>8.1f}"
        lines.append(line)
    lines.append(
        f"  (WCU and RCU; bursts of {capacity['burst']} applied as one batch; 99+: single sends "
        "once every row is at the unread cap; a start and a change with their event item fanned "
        "out)"
    )
    sends = ", ".join(
        f"group of {size} {send_[f'group_{size}']['p50_ms']:.2f} (×{over:.2f})"
        for size, over in send_["over_direct_p50"].items()
    )
    lines.append(
        f"Send p50 over HTTP, interleaved: direct {send_['direct']['p50_ms']:.2f} ms; {sends}"
    )
    lines.append(
        f"Stream lag at {lag['rate']:g} msg/s ({lag['messages_each']} messages each, own poller "
        f"process): direct p50 {lag['direct']['p50_ms']:.0f} / p99 {lag['direct']['p99_ms']:.0f}"
        f" ms; group of {seen['largest']} p50 {lag['group']['p50_ms']:.0f} / p99 "
        f"{lag['group']['p99_ms']:.0f} ms (p99 ×{lag['group_over_direct_p99']:.2f}); "
        f"{lag['membership_reads_per_group_batch']} membership reads a group batch, "
        f"{lag['messages_per_group_batch']} messages a batch"
    )
    keys = page["key_reads"]
    lines.append(
        f"Page of {page['messages']} from {page['authors']} authors over HTTP: group p50 "
        f"{page['group']['p50_ms']:.2f} ms, direct {page['direct']['p50_ms']:.2f} ms "
        f"(×{page['group_over_direct_p50']:.2f}); key reads cold / warm: group "
        f"{_keys(keys['group']['cold'])} / {_keys(keys['group']['warm'])}, direct "
        f"{_keys(keys['direct']['cold'])} / {_keys(keys['direct']['warm'])}"
    )
    cost = month(results)
    if cost is not None:
        lines.append(_month_line(cost))
    return lines


def _keys(reads: dict[str, int]) -> str:
    if not any(reads.values()):
        return "none"
    return (
        f"{reads['batches']} batch(es) of {reads['keys']} user keys"
        f" + {reads['data_key_reads']} DATAKEY"
    )


def _month_line(cost: dict[str, Any]) -> str:
    return (
        f"A month by `cruddur cost` ({MONTH_MESSAGES:,} msg/day, {MONTH_USERS:,} users, "
        f"{MONTH_PER_CONVERSATION} a conversation), "
        f"table on demand / total: all direct ${cost['direct']['table']:,.2f} / "
        f"${cost['direct']['total']:,.2f}; --group-mix {cost['mix']} ${cost['mixed']['table']:,.2f}"
        f" / ${cost['mixed']['total']:,.2f}"
    )


def figure_rows(results: dict[str, Any]) -> list[str]:
    """The step's rows in docs/benchmarks.md's table of figures."""
    seen = results.get("groups")
    if seen is None:
        return []
    capacity, send_, lag, page = seen["capacity"], seen["send"], seen["lag"], seen["page"]

    def sizes(name: str, entry: dict[str, Any]) -> str:
        single, burst, cap = entry["single"], entry["burst"], entry["at_cap"]
        return (
            f"{name} {single['wcu_per_message']:.1f} / {burst['wcu_per_message']:.2f} / "
            f"{cap['wcu_per_message']:.1f} + {cap['rcu_per_message']:.1f} RCU"
        )

    per_size = "; ".join(sizes(name, entry) for name, entry in _capacity_rows(capacity))
    rows = [
        f"| WCU per message, single / in bursts of {capacity['burst']} / single once every row is"
        f" at the unread cap (stream included) | {per_size} |",
        "| a group's start / a rename (event fanned out) | "
        + "; ".join(
            f"{entry['size']}: {entry['start']['wcu_per_start']:.0f} / "
            f"{entry['change']['wcu_per_change']:.0f} WCU"
            for entry in capacity["sizes"]
        )
        + " |",
        "| send p50 over HTTP: direct / "
        + " / ".join(f"group of {size}" for size in send_["over_direct_p50"])
        + f" | {send_['direct']['p50_ms']:.2f} / "
        + " / ".join(f"{send_[f'group_{size}']['p50_ms']:.2f}" for size in send_["over_direct_p50"])
        + " ms |",
        f"| stream lag at {lag['rate']:g} msg/s, p50 / p99: direct; group of {seen['largest']} "
        f"| {lag['direct']['p50_ms']:.0f} / {lag['direct']['p99_ms']:.0f} ms; "
        f"{lag['group']['p50_ms']:.0f} / {lag['group']['p99_ms']:.0f} ms "
        f"({lag['membership_reads_per_group_batch']} membership reads a batch) |",
        f"| page of {page['messages']} p50, from {page['authors']} authors in a group / 2 in a "
        f"direct one | {page['group']['p50_ms']:.2f} / {page['direct']['p50_ms']:.2f} ms |",
        "| key reads of that page, cold / warm: group; direct "
        f"| {_keys(page['key_reads']['group']['cold'])} / "
        f"{_keys(page['key_reads']['group']['warm'])}; "
        f"{_keys(page['key_reads']['direct']['cold'])} / "
        f"{_keys(page['key_reads']['direct']['warm'])} |",
    ]
    cost = month(results)
    if cost is not None:
        rows.append(
            f"| a month by `cruddur cost`, {MONTH_MESSAGES:,} msg/day: table on "
            f"demand / total, all direct; --group-mix {cost['mix']} "
            f"| ${cost['direct']['table']:,.2f} / ${cost['direct']['total']:,.2f}; "
            f"${cost['mixed']['table']:,.2f} / ${cost['mixed']['total']:,.2f} |"
        )
    return rows


def render(results: dict[str, Any], commit: str, how: str) -> str:
    """The step's section of docs/benchmarks.md: its targets beside their limits, its figures."""
    rows = ["| target | latest | limit | |", "|---|---|---|---|"]
    for target in targets(results["groups"]):
        met = "met" if target["met"] else "**missed**"
        rows.append(
            f"| {target['target']} | **{target['value']:.3g}** | {target['limit']:.3g} | {met} |"
        )
    return "\n".join(
        [
            SECTION_BEGIN,
            f"Latest: {how} at `{commit}`, {results['when'][:10]}, {results['machine']}.",
            "",
            *rows,
            "",
            "| figure | latest |",
            "|---|---|",
            *figure_rows(results),
            SECTION_END,
        ]
    )


def replace_section(text: str, section: str) -> str:
    pattern = re.compile(re.escape(SECTION_BEGIN) + ".*?" + re.escape(SECTION_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no {SECTION_BEGIN} … {SECTION_END} section to replace")
    return pattern.sub(lambda _: section, text)


# `python -m bench.groups` --------------------------------------------------------------------


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--tiny", is_flag=True, help="Seconds: groups of 3 and 10, a few samples each.")
@click.option("--sizes", default="3,10,50", show_default=True, help="Group sizes, members.")
@click.option("--messages", type=click.IntRange(1), default=20, show_default=True)
@click.option("--lag-messages", type=click.IntRange(2), default=200, show_default=True)
@click.option("--lag-rate", type=click.FloatRange(0.1), default=LAG_RATE, show_default=True)
@click.option("--iterations", type=click.IntRange(1), default=300, show_default=True)
@click.option(
    "--warm-up-rounds",
    type=click.IntRange(0),
    default=6,
    show_default=True,
    help="Step (2)'s warm-up first (800 messages a round, 4 clients): in `make bench` this step "
    "follows it, on an emulator whose JIT has settled. 0 for none (--tiny's).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the step's results (and step 3's capacity, for the month's cost) as JSON here.",
)
@click.option(
    "--docs",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Rewrite this page's group figures section (docs/benchmarks.md) with this run's.",
)
def main(
    tiny: bool,
    sizes: str,
    messages: int,
    lag_messages: int,
    lag_rate: float,
    iterations: int,
    warm_up_rounds: int,
    out: Path | None,
    docs: Path | None,
) -> None:
    """Step (3b) alone, on a rig of its own: a fresh in-memory DynamoDB Local and the API, with
    step (3)'s capacity of a direct conversation for the month's cost."""
    from bench import capacity, throughput  # steps (2) and (3): their warm-up, direct units

    logging.basicConfig(level=logging.WARNING)
    chosen = (3, 10) if tiny else tuple(int(size) for size in sizes.split(","))
    if tiny:
        messages, lag_messages, iterations, warm_up_rounds = 3, 6, 10, 0

    def progress(line: str) -> None:
        click.echo(line, err=True)

    with (
        tempfile.TemporaryDirectory(prefix="cruddur-bench-groups-") as work,
        rig(Path(work)) as system,
    ):
        results: dict[str, Any] = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{platform.python_implementation()} {platform.python_version()}",
        }
        if warm_up_rounds:
            progress(f"(2) warming DynamoDB Local up: {warm_up_rounds} rounds of 800 messages …")
            system.start_poller()
            results["warm_up"] = throughput.warm_up(
                system, 4, 800, warm_up_rounds, min_rounds=warm_up_rounds
            )
            system.stop_poller()
        progress("(3) capacity per message of a direct conversation …")
        results["capacity"] = capacity.measure(system.settings, Path(work), 3 if tiny else 10)
        progress("(3b) group conversations …")
        results["groups"] = measure(
            system,
            Path(work),
            chosen,
            messages,
            lag_messages,
            iterations,
            lag_rate,
            progress,
        )
    results["targets"] = targets(results["groups"])
    click.echo("\n".join(table_lines(results)))
    click.echo("\nTargets")
    for target in results["targets"]:
        mark = "met " if target["met"] else "MISSED"
        click.echo(
            f"  [{mark}] {target['target']}: {target['value']:g} (limit {target['limit']:g})"
        )
    if out is not None:
        out.write_text(json.dumps(results, indent=2) + "\n")
        click.echo(f"wrote {out}")
    if docs is not None:
        commit = head_commit()
        how = (
            f"`python -m bench.groups --sizes {','.join(map(str, chosen))} --messages {messages}"
            f" --lag-messages {lag_messages} --iterations {iterations}"
            f" --warm-up-rounds {warm_up_rounds}` (this step alone)"
        )
        docs.write_text(replace_section(docs.read_text(), render(results, commit, how)))
        click.echo(f"wrote {docs}")


if __name__ == "__main__":
    try:
        main()
    except CruddurError as exc:  # pragma: no cover - a message, not a traceback
        sys.exit(str(exc))
