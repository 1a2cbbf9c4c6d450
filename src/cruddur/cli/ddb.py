"""`cruddur ddb …`: the table's operations. Every command prints the capacity it consumed."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import itertools
import json
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from boto3.dynamodb.types import Binary, TypeDeserializer

from cruddur import bootstrap, demo, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.crypto.sealing import ShownSealed
from cruddur.adapters.dynamodb import message_items
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.attributes import binary
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.cli.common import (
    F,
    capacity_of,
    data_dir_option,
    describe_target,
    emit_json,
    json_option,
    on_aws,
    with_target,
)
from cruddur.cli.ddb_repair import repair_inboxes
from cruddur.cli.progress import counting_messages, progress
from cruddur.config import Settings
from cruddur.domain.model import InboxEntry, Position, parse_uuid

PAGE = 100
T = TypeVar("T")


@click.group()
def ddb() -> None:
    """Operate the DynamoDB table: create, inspect, seed, drop; run DynamoDB Local."""


def _store(settings: Settings, *, decrypt: bool = True) -> ConversationTable:
    # Without --decrypt nothing is opened: sealed text shows as its ciphertext.
    return storage.build_store(
        settings, meter=CapacityMeter(), sealer=None if decrypt else ShownSealed()
    )


def _run(store: ConversationTable, work: Callable[[], Awaitable[T]]) -> T:
    """The store's work on a loop of its own, its connections closed in that loop after."""

    async def closing() -> T:
        try:
            return await work()
        finally:
            await store.close()

    return asyncio.run(closing())


def decrypt_option(func: F) -> F:
    return click.option(
        "--decrypt",
        is_flag=True,
        help="Show message text in clear (needs the key: the data dir's key file, or KMS "
        "access to CRUDDUR_KMS_KEY_IDS). Without it, sealed text shows as ciphertext.",
    )(func)


def _report(meter: CapacityMeter) -> None:
    click.echo(meter.summary(), err=True)


@ddb.command("local")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".data/dynamodb"),
    show_default=True,
    help="Keep the database here (persistent).",
)
@click.option("--in-memory", is_flag=True, help="Keep nothing: the data is gone when it stops.")
def local(port: int, data_dir: Path | None, in_memory: bool) -> None:
    """Run DynamoDB Local alone in the foreground, on 127.0.0.1, until Ctrl-C."""
    from cruddur.local.dynamodb_local import DynamoDBLocal, LauncherError

    server = DynamoDBLocal(port=port, data_dir=None if in_memory else data_dir)
    try:
        server.start()
    except LauncherError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"DynamoDB Local at {server.endpoint_url} "
        f"({'in memory' if in_memory else data_dir}). Ctrl-C stops it."
    )
    try:
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@ddb.command("schema-load")
@with_target()
def schema_load(settings: Settings) -> None:
    """Create the table (keys, GSI inbox-by-recency, stream). Harmless if it exists."""
    definition = dynamo_schema.table_definition(
        settings.table_name, settings.billing_mode, settings.read_capacity, settings.write_capacity
    )
    created = dynamo_schema.create_table(AwsClients(settings).dynamodb(), definition)
    state = "created" if created else "already exists with the expected schema"
    click.echo(f"{describe_target(settings)}: {state}")


@ddb.command("list-tables")
@with_target()
def list_tables(settings: Settings) -> None:
    """List the tables at the target."""
    client = AwsClients(settings).dynamodb()
    for page in client.get_paginator("list_tables").paginate():
        for name in page.get("TableNames", []):
            click.echo(name)


@ddb.command("drop")
@with_target()
@click.option("--yes", is_flag=True, help="Do not ask: drop the table.")
def drop(settings: Settings, yes: bool) -> None:
    """Delete the table and every message in it. Asks first unless --yes."""
    target = describe_target(settings)
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"refusing to drop {target} without --yes: "
                "stdin is not a terminal, so nobody can confirm"
            )
        click.confirm(f"Drop {target}? Every message in it is deleted.", abort=True)
    dynamo_schema.drop_table(AwsClients(settings).dynamodb(), settings.table_name)
    click.echo(f"dropped {target}")


@ddb.command("scan")
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
    _report(scanned.meter)


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

    return _run(store, every)


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


@ddb.command("seed")
@with_target()
@data_dir_option
def seed(settings: Settings) -> None:
    """Write the demo users' conversations (skips the ones already there)."""
    if on_aws(settings):
        raise click.UsageError("demo data does not go to production")
    store = _store(settings)
    with progress("seed", unit="messages") as shown:
        messaging = bootstrap.build_messaging(settings, store)
        counted = dataclasses.replace(messaging, store=counting_messages(store, shown))
        written = _run(store, lambda: demo.seed(counted))
    click.echo(f"seeded {written} messages")
    _report(store.table.meter)


@ddb.command("get-conversation")
@click.argument("message_group_uuid")
@with_target()
@data_dir_option
@decrypt_option
def get_conversation(message_group_uuid: str, settings: Settings, decrypt: bool) -> None:
    """Print every message of a conversation, oldest first (pages through all of it); the
    text as ciphertext unless --decrypt."""
    store = _store(settings, decrypt=decrypt)
    group = parse_uuid(message_group_uuid, "message_group_uuid")
    messages = _every_page(store, lambda start: store.query_messages(group, PAGE, start))
    for message in reversed(messages):
        click.echo(f"{message.created_at}  @{message.sender.handle}: {message.text}")
    _report(store.table.meter)


@ddb.command("list-conversations")
@click.argument("user_uuid")
@with_target()
@json_option
def list_conversations(user_uuid: str, settings: Settings, as_json: bool) -> None:
    """Print a user's inbox, newest activity first (pages through all of it): when, which
    conversation, with whom, how many unread. No message text."""
    # It prints no message text, so it opens none.
    store = _store(settings, decrypt=False)
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
    _report(store.table.meter)


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


# In a module of its own: its threads, pacing, progress and tally.
ddb.add_command(repair_inboxes)
