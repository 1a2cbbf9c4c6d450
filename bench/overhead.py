"""(1) Overhead over the floor: the raw boto3 call, the service layer and HTTP, for patterns A,
B, C and E. The layers are measured in turns inside one loop, so whatever else the machine is
doing lands on all of them alike and the ratios hold.

The API reads and writes over its async wire on its event loop. The service layer is the async
use case, run to completion on a loop here (which adds that loop's turn); the raw call stays
boto3's, as the issue defines the floor. A fourth layer, `raw_api`, is the same request on the
API's own client: HTTP over it is what the HTTP layer itself costs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from bench.rig import Rig
from bench.stats import Summary, ratio, timed
from bench.workload import KeepAliveClient, sign_up, start, stranger
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import message_items
from cruddur.adapters.dynamodb.attributes import s, to_attrs
from cruddur.domain import keys
from cruddur.domain.clock import format_timestamp, utc_now
from cruddur.domain.model import Message
from cruddur.services import inbox, membership, reading, sending
from cruddur.services.context import MessagingContext

LAYERS = ("raw", "raw_api", "service", "http")
WARMUP = 10


def measure(rig: Rig, ctx: MessagingContext, iterations: int) -> dict[str, Any]:
    with asyncio.Runner(loop_factory=_loop_factory()) as loop:
        try:
            return _measure(rig, ctx, loop, iterations)
        finally:
            loop.run(rig.store.close())  # its connections belong to this loop


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where the API has it too: the async layers then run on the API's kind of loop."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _measure(
    rig: Rig,
    ctx: MessagingContext,
    loop: asyncio.Runner,
    iterations: int,
) -> dict[str, Any]:
    with httpx.Client(base_url=rig.api_url, timeout=30) as setup:
        ada, bob = sign_up(setup), sign_up(setup)
        group = start(setup, ada, bob.user.handle, "first")
    http = KeepAliveClient(rig.api_url)
    for index in range(40):
        loop.run(sending.send_message(ctx, ada.user, group, f"page filler {index}"))
    for _ in range(25):  # a full inbox page, and then some
        loop.run(sending.start_conversation(ctx, ada.user, stranger(), "hello"))
    # "raw" is boto3, a mature client's plain call: the floor the layers are held against.
    client, table = AwsClients(rig.settings).dynamodb(), rig.store.table.name
    members = (ada.user.uuid, bob.user.uuid)

    def raw_message() -> None:
        message = Message(
            group, str(uuid.uuid4()), "raw", format_timestamp(utc_now()), ada.user, members
        )
        client.put_item(
            TableName=table,
            Item=message_items.message_item(message, rig.store.sealer),
            ConditionExpression="attribute_not_exists(pk)",
        )

    raw_a: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": s(keys.message_pk(group))},
        "ScanIndexForward": False,
        "Limit": 21,
        "ConsistentRead": True,
    }
    raw_b: dict[str, Any] = {
        "TableName": table,
        "IndexName": keys.INBOX_INDEX,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": s(keys.inbox_pk(ada.user.uuid))},
        "ScanIndexForward": False,
        "Limit": 21,
    }

    def raw_api(args: dict[str, Any]) -> Callable[[], object]:
        return lambda: loop.run(rig.store.table.wire.call("Query", args))

    operations: dict[str, dict[str, Callable[[], object] | None]] = {
        "A": {
            "raw": lambda: client.query(**raw_a),
            "raw_api": raw_api(raw_a),
            "service": lambda: loop.run(reading.list_messages(ctx, ada.user.uuid, group, 20)),
            "http": lambda: http.get(f"/api/messages/{group}?limit=20", ada.auth),
        },
        "B": {
            "raw": lambda: client.query(**raw_b),
            "raw_api": raw_api(raw_b),
            "service": lambda: loop.run(inbox.list_inbox(ctx, ada.user.uuid, 20)),
            "http": lambda: http.get("/api/message_groups?limit=20", ada.auth),
        },
        "C": {
            "raw": raw_message,
            "service": lambda: loop.run(sending.send_message(ctx, ada.user, group, "service")),
            "http": lambda: http.post(
                "/api/messages", {"message": "http", "message_group_uuid": group}, ada.auth
            ),
        },
        # The HTTP floor in the same conditions: a round trip that does no work at all.
        "floor": {"raw": None, "service": None, "http": lambda: http.get("/healthz", {})},
        "E": {
            "raw": lambda: client.get_item(
                TableName=table,
                Key=to_attrs(keys.inbox_key(ada.user.uuid, group)),
                ConsistentRead=True,
            ),
            "service": lambda: loop.run(membership.require_member(ctx, ada.user.uuid, group)),
            "http": None,  # membership is not a route of its own: it is inside A, B and C
        },
    }
    samples: dict[str, dict[str, list[float]]] = {
        p: {layer: [] for layer in LAYERS} for p in operations
    }
    # Reads first, then sends: each send wakes the stream poller, whose work would otherwise land
    # on whichever read happens to run next.
    for patterns in (("A", "B", "E", "floor"), ("C",)):
        _interleaved({p: operations[p] for p in patterns}, samples, iterations)
    http.close()
    return _report(samples)


def _interleaved(
    operations: dict[str, dict[str, Callable[[], object] | None]],
    samples: dict[str, dict[str, list[float]]],
    iterations: int,
) -> None:
    for iteration in range(WARMUP + iterations):
        shift = iteration % len(LAYERS)
        order = LAYERS[shift:] + LAYERS[:shift]
        for pattern, by_layer in operations.items():
            for layer in order:
                operation = by_layer.get(layer)
                if operation is None:
                    continue
                elapsed = timed(operation)
                if iteration >= WARMUP:
                    samples[pattern][layer].append(elapsed)


def _report(samples: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for pattern, by_layer in samples.items():
        summaries = {layer: Summary.of(values) for layer, values in by_layer.items() if values}
        entry: dict[str, Any] = {layer: s.as_dict() for layer, s in summaries.items()}
        if "raw" not in summaries:
            report[pattern] = entry
            continue
        raw = summaries["raw"].p50_ms
        for layer in ("raw_api", "service", "http"):
            if layer in summaries:
                entry[f"{layer}_over_raw_p50"] = round(ratio(summaries[layer].p50_ms, raw), 3)
        if "raw_api" in summaries:
            http, raw_api = summaries["http"].p50_ms, summaries["raw_api"].p50_ms
            entry["http_over_raw_api_p50"] = round(ratio(http, raw_api), 3)
        report[pattern] = entry
    return report
