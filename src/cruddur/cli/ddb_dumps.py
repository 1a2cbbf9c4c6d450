"""`cruddur ddb scan | get-conversation | list-conversations`: the table's contents printed, a
whole table, a conversation or an inbox at a time (paging through all of it)."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar, cast

import click
from boto3.dynamodb.types import Binary, TypeDeserializer

from cruddur import storage
from cruddur.adapters.crypto.sealing import ShownSealed
from cruddur.adapters.dynamodb import message_items
from cruddur.adapters.dynamodb.attributes import binary
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.cli.common import (
    F,
    capacity_of,
    data_dir_option,
    emit_json,
    json_option,
    with_target,
)
from cruddur.cli.ddb_store import open_store, report, run_closing
from cruddur.config import Settings
from cruddur.domain.model import InboxEntry, Position, parse_uuid

PAGE = 100
T = TypeVar("T")


def decrypt_option(func: F) -> F:
    return click.option(
        "--decrypt",
        is_flag=True,
        help="Show message text in clear (needs the key: the data dir's key file, or KMS "
        "access to CRUDDUR_KMS_KEY_IDS). Without it, sealed text shows as ciphertext.",
    )(func)


@click.command("scan")
@with_target()
@data_dir_option
@decrypt_option
@click.option(
    "--max-items", type=click.IntRange(min=1), default=None, help="Stop after this many items."
)
def scan(settings: Settings, decrypt: bool, max_items: int | None) -> None:
    """Print every item of the table, one JSON object a line (message text as ciphertext
    unless --decrypt)."""
    # An operator's tool, one call after another: the blocking table.
    scanned = storage.build_table(settings, CapacityMeter())
    sealer = storage.build_sealer(settings, scanned) if decrypt else ShownSealed()
    deserializer = TypeDeserializer()
    every = scanned.each_item("Scan", {"TableName": scanned.name})
    for item in itertools.islice(every, max_items):
        plain = {k: deserializer.deserialize(_binary_as_bytes(v)) for k, v in item.items()}
        if decrypt:
            plain.update(message_items.opened_fields(item, sealer))
        click.echo(json.dumps(plain, default=_jsonable, sort_keys=True))
    report(scanned.meter)


@click.command("get-conversation")
@click.argument("message_group_uuid")
@with_target()
@data_dir_option
@decrypt_option
def get_conversation(message_group_uuid: str, settings: Settings, decrypt: bool) -> None:
    """Print every message of a conversation, oldest first (pages through all of it); the
    text as ciphertext unless --decrypt."""
    store = open_store(settings, decrypt=decrypt)
    group = parse_uuid(message_group_uuid, "message_group_uuid")
    messages = _every_page(store, lambda start: store.query_messages(group, PAGE, start))
    for message in reversed(messages):
        click.echo(f"{message.created_at}  @{message.sender.handle}: {message.text}")
    report(store.table.meter)


@click.command("list-conversations")
@click.argument("user_uuid")
@with_target()
@json_option
def list_conversations(user_uuid: str, settings: Settings, as_json: bool) -> None:
    """Print a user's inbox, newest activity first (pages through all of it): when, which
    conversation, with whom, how many unread. No message text."""
    # It prints no message text, so it opens none.
    store = open_store(settings, decrypt=False)
    owner = parse_uuid(user_uuid, "user_uuid")
    entries = _every_page(store, lambda start: store.query_inbox(owner, PAGE, start))
    if as_json:
        emit_json(
            {
                "conversations": [_inbox_entry(entry) for entry in entries],
                "capacity": capacity_of(store.table.meter),
            }
        )
    else:
        for entry in entries:
            click.echo(
                f"{entry.last_message_at}  {entry.group_uuid}  @{entry.other.handle} "
                f"({entry.other.display_name})  unread={entry.unread_count}"
            )
    report(store.table.meter)


def _every_page(
    store: ConversationTable,
    fetch: Callable[[Position | None], Awaitable[tuple[list[T], Position | None]]],
) -> list[T]:
    """Every item of a paged query, following its key to the end."""

    async def every() -> list[T]:
        every: list[T] = []
        start: Position | None = None
        while True:
            found, start = await fetch(start)
            every.extend(found)
            if start is None:
                return every

    return run_closing(store, every)


def _binary_as_bytes(value: dict[str, Any]) -> Any:
    """The wire carries binaries as base64 text; boto3's deserializer wants bytes."""
    if "B" in value:
        return {"B": binary(value["B"])}
    if "BS" in value:
        return {"BS": [binary(one) for one in value["BS"]]}
    return value


def _jsonable(value: object) -> object:
    """What json.dumps cannot write: binary as base64 (inbox rows' unread tokens), sets as sorted
    lists, numbers as numbers."""
    if isinstance(value, Binary):
        return base64.b64encode(cast("bytes", value.__bytes__())).decode()  # stubs say str
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, set):
        return sorted((v if isinstance(v, str) else _jsonable(v) for v in value), key=str)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def _inbox_entry(entry: InboxEntry) -> dict[str, Any]:
    """What the text line shows, and the owner's choices; never the last message's text."""
    return {
        "group_uuid": entry.group_uuid,
        "last_message_at": entry.last_message_at,
        "with": {
            "uuid": entry.other.uuid,
            "handle": entry.other.handle,
            "display_name": entry.other.display_name,
        },
        "unread_count": entry.unread_count,
        "muted": entry.muted,
        "archived": entry.archived,
        "pinned": entry.pinned,
    }
