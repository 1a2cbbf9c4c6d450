"""(4) Does a page cost the same however much is behind it? Pattern A with a small and a large
conversation, pattern B with a small and a large inbox, measured in turns (service layer)."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.stats import Summary, ratio, timed
from bench.workload import stranger
from cruddur import storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import inbox_items, message_items
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.text_sealer import TextSealer
from cruddur.config import Settings
from cruddur.domain.clock import format_timestamp, utc_now
from cruddur.domain.model import Message, UserRef

BATCH = 25  # BatchWriteItem's limit
PAGE = 20


def measure(
    settings: Settings, small: tuple[int, int], large: tuple[int, int], iterations: int
) -> dict[str, Any]:
    """small/large: (messages in the conversation, conversations in the inbox)."""
    scaled = settings.model_copy(update={"table_name": "bench-scaling"})
    store = storage.build_store(scaled)
    dynamo_schema.create_table(
        AwsClients(scaled).wire, dynamo_schema.table_definition(scaled.table_name)
    )
    # Loaded in bulk over the blocking table, from a few threads; read as the API reads.
    loader = Loader(storage.build_table(scaled), store.sealer)
    owner_small, owner_large = stranger(), stranger()
    group_small = _conversation(loader, owner_small, small[0])
    group_large = _conversation(loader, owner_large, large[0])
    _inbox(loader, owner_small, small[1])
    _inbox(loader, owner_large, large[1])
    with asyncio.Runner() as loop:
        try:
            return _measure(store, loop, small, large, iterations, group_small, group_large,
                            owner_small, owner_large)  # fmt: skip
        finally:
            loop.run(store.close())


def _measure(
    store: ConversationTable,
    loop: asyncio.Runner,
    small: tuple[int, int],
    large: tuple[int, int],
    iterations: int,
    group_small: str,
    group_large: str,
    owner_small: UserRef,
    owner_large: UserRef,
) -> dict[str, Any]:
    # Like for like: both sides must read a full page. Ten conversations cannot fill a page of
    # 20 (the small side would parse half the items and look cheaper for it), so pattern B
    # reads pages the small inbox can fill, with the one-item look-ahead.
    pages = {"A": min(PAGE, small[0] - 1), "B": min(PAGE, small[1] - 1)}
    operations = {
        ("A", "small"): lambda: loop.run(store.query_messages(group_small, pages["A"])),
        ("A", "large"): lambda: loop.run(store.query_messages(group_large, pages["A"])),
        ("B", "small"): lambda: loop.run(store.query_inbox(owner_small.uuid, pages["B"])),
        ("B", "large"): lambda: loop.run(store.query_inbox(owner_large.uuid, pages["B"])),
    }
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in operations}
    for iteration in range(iterations + 10):
        for key, operation in operations.items():
            elapsed = timed(operation)
            if iteration >= 10:
                samples[key].append(elapsed)
    report: dict[str, Any] = {}
    for pattern, (size_small, size_large) in (
        ("A", (small[0], large[0])),
        ("B", (small[1], large[1])),
    ):
        low, high = Summary.of(samples[(pattern, "small")]), Summary.of(samples[(pattern, "large")])
        report[pattern] = {
            "page": pages[pattern],
            "small": {"size": size_small, **low.as_dict()},
            "large": {"size": size_large, **high.as_dict()},
            "large_over_small_p50": round(ratio(high.p50_ms, low.p50_ms), 3),
        }
    return report


@dataclass(frozen=True)
class Loader:
    table: DynamoTable
    sealer: TextSealer


def _write_all(store: Loader, all_items: list[dict[str, Any]]) -> None:
    def write(chunk: list[dict[str, Any]]) -> None:
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in chunk]
        while requests:
            name = store.table.name
            response = store.table.call("BatchWriteItem", {"RequestItems": {name: requests}})
            requests = list(response.get("UnprocessedItems", {}).get(name, []))

    chunks = [all_items[i : i + BATCH] for i in range(0, len(all_items), BATCH)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, chunks))


def _conversation(store: Loader, owner: UserRef, size: int) -> str:
    group, other = str(uuid.uuid4()), stranger()
    now = format_timestamp(utc_now())
    messages = [
        message_items.message_item(
            Message(group, str(uuid.uuid4()), f"m{i}", now, owner, (owner.uuid, other.uuid)),
            store.sealer,
        )
        for i in range(size)
    ]
    _write_all(store, messages)
    return group


def _inbox(store: Loader, owner: UserRef, size: int) -> None:
    rows = []
    for index in range(size):
        other, group = stranger(), str(uuid.uuid4())
        at = format_timestamp(utc_now())
        first = Message(group, str(uuid.uuid4()), f"c{index}", at, other, (owner.uuid, other.uuid))
        shown = message_items.last_message_of(message_items.message_item(first, store.sealer))
        rows.append(inbox_items.inbox_item(owner, other, shown))
    _write_all(store, rows)
