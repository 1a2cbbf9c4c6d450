"""(4c) Your data: a person with many messages (50,000 in a full run) exports them and then
erases their account, through the same use cases as `GET /api/me/export` and `DELETE /api/me`
(API time, without HTTP); and how many key reads a page of 20 from both members costs, cold
and warm.

Erasure destroys a key and a few items per conversation, never rewriting a message: its time
follows the number of conversations, not of messages.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from bench.rig import emulator
from bench.scaling import Loader, _write_all
from bench.workload import stranger
from cruddur import bootstrap, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.crypto.sealing import Sealer
from cruddur.adapters.dynamodb import inbox_items, message_items
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.config import Settings
from cruddur.domain.clock import format_timestamp, utc_now
from cruddur.domain.model import Message, User, UserRef
from cruddur.services import reading
from cruddur.services.erasure import erase_account
from cruddur.services.export import export_account

PER_CONVERSATION = 500


def measure(settings: Settings, messages: int, *, fresh: bool = True) -> dict[str, Any]:
    # Its own DynamoDB Local (`fresh`), as the repair's: a fresh emulator loads and reads faster
    # than the rig's, which holds the scaling step's items by now.
    with emulator(settings, fresh=fresh) as endpoint:
        ours = settings.model_copy(
            update={
                "aws_endpoint_url": endpoint,
                "table_name": "bench-your-data",
                "keys_table_name": "bench-your-data-keys",
            }
        )
        dynamo_schema.create_table(
            AwsClients(ours).wire, dynamo_schema.table_definition(ours.table_name)
        )
        return asyncio.run(_measure(ours, messages))


async def _measure(settings: Settings, total: int) -> dict[str, Any]:
    owner = stranger()
    user = User(
        owner.uuid, owner.handle, owner.display_name, f"{owner.handle}@example.org", None, None
    )
    loader = Loader(storage.build_table(settings), storage.build_sealer(settings))
    groups = _load(loader, owner, total)
    runtime = bootstrap.build_runtime(settings)
    try:
        pages = await _page_key_reads(settings, owner, groups[0])
        assert runtime.records is not None
        assert runtime.erasure is not None
        started = time.perf_counter()
        export = await export_account(runtime.messaging, runtime.records, user)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        erased = await erase_account(runtime.messaging, runtime.erasure, runtime.accounts, user)
        erasing = time.perf_counter() - started
    finally:
        await runtime.store.close()
        runtime.close()
    return {
        "messages": export.messages,
        "conversations": export.conversations,
        "export_seconds": round(exported, 2),
        "export_bytes": len(export.data),
        "erase_seconds": round(erasing, 2),
        "erase_items": erased.items,
        **pages,
    }


def _load(loader: Loader, owner: UserRef, total: int) -> list[str]:
    groups = []
    for start in range(0, total, PER_CONVERSATION):
        group, other = str(uuid.uuid4()), stranger()
        members = (owner.uuid, other.uuid)
        made = []
        for index in range(min(PER_CONVERSATION, total - start)):
            sender = owner if index % 2 else other
            made.append(
                Message(
                    group,
                    str(uuid.uuid4()),
                    f"message {start + index}: about the weather and the week ahead",
                    format_timestamp(utc_now()),
                    sender,
                    members,
                )
            )
        sealed = [message_items.message_item(m, loader.sealer) for m in made]
        shown = message_items.last_message_of(sealed[-1])
        _write_all(
            loader,
            [
                *sealed,
                inbox_items.inbox_item(owner, other, shown),
                inbox_items.inbox_item(other, owner, shown),
            ],
        )
        groups.append(group)
    return groups


async def _page_key_reads(settings: Settings, owner: UserRef, group: str) -> dict[str, Any]:
    """Key reads of the keys table for a page of 20 from both members: a process's first page
    (nothing cached) and its second."""
    store = storage.build_store(settings)
    sealer = store.table.sealer
    assert isinstance(sealer, Sealer)
    assert sealer.user_keys is not None
    reads = [0]
    load = sealer.user_keys.load

    def counted(user_uuids: Any) -> None:
        reads[0] += 1
        load(user_uuids)

    sealer.user_keys.load = counted  # type: ignore[method-assign]
    ctx = bootstrap.build_messaging(settings, store)
    try:
        cold = await reading.list_messages(ctx, owner.uuid, group, 20)
        cold_reads = reads[0]
        await reading.list_messages(ctx, owner.uuid, group, 20)
        warm_reads = reads[0] - cold_reads
    finally:
        await store.close()
    authors = len({m.sender.uuid for m in cold.items})
    return {
        "page_authors": authors,
        "page_key_reads_cold": cold_reads,
        "page_key_reads_warm": warm_reads,
    }
