"""Erasing an account: gone for good, backups included, in seconds whatever it wrote.

What a person wrote is sealed under a key of theirs (adapters/crypto/sealing.py); erasure
destroys that key, so their messages, edits, previews, quotes, file names and their name on each
message stop opening everywhere at once — the live table, every point-in-time backup, every
export of the stream — with no message rewritten. Then what names them elsewhere goes: their
inbox rows, pins and blocks, their place in each group (the others read "A deleted account
left"), their name on the other members' rows ("Deleted account"), their
files, every token of theirs, and their row in the users directory (their handle is free; a new
account with it has a new uuid and sees nothing of the old one).

The order makes a failure safe to retry: the directory row goes last, so until the end the
person can sign in and ask again, and every step before it is idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from cruddur.domain.attachments import file_key, thumbnail_key
from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import User, UserRef
from cruddur.services import group_changes
from cruddur.services.accounts import Accounts
from cruddur.services.context import MessagingContext, publish
from cruddur.services.ports.messages import AccountRecords, KeyShredder

log = logging.getLogger(__name__)
audit = logging.getLogger("cruddur.audit")


@dataclass(frozen=True)
class Erasure:
    records: AccountRecords
    keys: KeyShredder
    token_ttl: float  # the longest a token lives: how long its subject stays on the deny-list


@dataclass(frozen=True)
class Erased:
    conversations: int
    files: int
    items: int


async def erase_account(
    ctx: MessagingContext, erasure: Erasure, accounts: Accounts, user: User
) -> Erased:
    every = await erasure.records.conversations(user.uuid)
    # They leave each group they were in ("A deleted account left"): its other members keep it.
    groups = [group for group, other in every if not other]
    for group in groups:
        await group_changes.leave_erased(
            ctx, UserRef(user.uuid, user.handle, user.display_name), group
        )
    conversations = [(group, other) for group, other in every if other]
    files = await _delete_files(ctx, user.uuid)
    if ctx.push is not None:  # no more pushes to their browsers
        await ctx.push.store.remove_all(user.uuid)
    # The key: from here on nothing they wrote opens, anywhere.
    await asyncio.to_thread(erasure.keys.erase, user.uuid)
    erased_at = format_timestamp(ctx.clock())
    changed = await erasure.records.forget(user.uuid, conversations, erased_at)
    for _, other in conversations:
        low, high = sorted((user.uuid, other))
        ctx.block_cache.discard((low, high))  # this process refuses sends to them at once
    await asyncio.to_thread(accounts.forget, user, erasure.token_ttl)
    await publish(ctx, user.uuid, {"type": "signed_out"})
    for group, other in conversations:
        await publish(ctx, other, {"type": "inbox", "group": group})
    log.info(
        "account erased: %d conversations, %d groups left, %d files, %d items",
        len(conversations),
        len(groups),
        files,
        changed,
    )
    return Erased(len(every), files, changed)


async def _delete_files(ctx: MessagingContext, user_uuid: str) -> int:
    shelf = ctx.shelf
    if shelf is None:
        return 0
    ids = await shelf.uploads.files_of(user_uuid)
    doomed = [key for i in ids for key in (file_key(i), thumbnail_key(i))]
    if doomed:
        await asyncio.to_thread(shelf.files.delete, doomed)
    await shelf.uploads.forget_files(user_uuid)
    return len(ids)


def audit_line(action: str, operator: str, subject: User) -> None:
    """Who did what to whose account, when (the log line's time) — never any content."""
    audit.info("audit %s by=%s user_uuid=%s", action, operator, subject.uuid)
