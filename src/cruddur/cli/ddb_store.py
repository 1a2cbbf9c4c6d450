"""What the `ddb` commands that read or write conversations share: the store they open, a loop
to run it on, and the capacity line they end with."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from cruddur import storage
from cruddur.adapters.crypto.sealing import ShownSealed
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings

T = TypeVar("T")


def open_store(settings: Settings, *, decrypt: bool = True) -> ConversationTable:
    # Without --decrypt nothing is opened: sealed text shows as its ciphertext.
    return storage.build_store(
        settings, meter=CapacityMeter(), sealer=None if decrypt else ShownSealed()
    )


def run_closing(store: ConversationTable, work: Callable[[], Awaitable[T]]) -> T:
    """The store's work on a loop of its own, its connections closed in that loop after."""

    async def closing() -> T:
        try:
            return await work()
        finally:
            await store.close()

    return asyncio.run(closing())


def report(meter: CapacityMeter) -> None:
    click.echo(meter.summary(), err=True)
