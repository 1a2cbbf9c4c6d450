"""`cruddur users …`: an operator's copy of a person's data, or their erasure, on request
(a GDPR access or erasure request that came by mail, say). Each writes one audit line — who
ran it, whose account, when — and never any content."""

from __future__ import annotations

import asyncio
import dataclasses
import getpass
from pathlib import Path

import click

from cruddur import bootstrap
from cruddur.cli.common import data_dir_option, with_target
from cruddur.cli.progress import counting_messages, progress
from cruddur.config import Settings
from cruddur.errors import Unavailable
from cruddur.services.context import MessagingContext
from cruddur.services.erasure import audit_line, erase_account
from cruddur.services.export import export_account


@click.group()
def users() -> None:
    """A person's data: export it, or erase their account for good."""


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@users.command("export")
@click.argument("handle")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the zip (made 0600: it holds the person's messages in clear).",
)
@data_dir_option
@with_target(seals_text=True)
def export(handle: str, out: Path, settings: Settings) -> None:
    """Write HANDLE's data — what they see in the app — to a zip, as GET /api/me/export does."""
    runtime = bootstrap.build_runtime(settings)
    try:
        user = runtime.users.by_handle(handle)
        if runtime.records is None:
            raise Unavailable("export is not available here")
        records = runtime.records

        async def work(ctx: MessagingContext) -> bytes:
            try:
                return (await export_account(ctx, records, user)).data
            finally:
                await runtime.store.close()

        # The messages read so far, on a terminal: a person with 50,000 takes seconds.
        with progress("export", unit="messages read") as shown:
            store = counting_messages(runtime.messaging.store, shown)
            data = asyncio.run(work(dataclasses.replace(runtime.messaging, store=store)))
    finally:
        runtime.close()
    out.touch(mode=0o600, exist_ok=True)
    out.write_bytes(data)
    audit_line("export", _operator(), user)
    click.echo(f"wrote {len(data):,} bytes to {out}")


@users.command("erase")
@click.argument("handle")
@click.option("--yes", is_flag=True, help="Really: there is no undo, backups included.")
@data_dir_option
@with_target(seals_text=True)
def erase(handle: str, yes: bool, settings: Settings) -> None:
    """Erase HANDLE's account for good, as DELETE /api/me does: their key destroyed (their
    words unreadable everywhere, backups included), their rows, files, tokens and profile
    gone. Asks for --yes."""
    if not yes:
        raise click.UsageError("erasure cannot be undone: pass --yes to go ahead")
    runtime = bootstrap.build_runtime(settings)
    try:
        user = runtime.users.by_handle(handle)
        erasure = runtime.erasure
        if erasure is None:
            raise Unavailable("erasure is not available here")

        async def work() -> str:
            try:
                done = await erase_account(runtime.messaging, erasure, runtime.accounts, user)
            finally:
                await runtime.store.close()
            return f"{done.conversations} conversations, {done.files} files, {done.items} items"

        said = asyncio.run(work())
    finally:
        runtime.close()
    audit_line("erase", _operator(), user)
    click.echo(f"erased @{handle}: {said}")
