"""The one rule of every read of a message: past its retention, nothing shows it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta

from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import InboxEntry, Message
from cruddur.services.context import MessagingContext

# No message expires sooner than this after it was sent (Settings.retention_days is at least
# one): a younger one needs no read to know it has not expired.
SHORTEST_RETENTION = timedelta(days=1)


def expires_at(ctx: MessagingContext) -> int | None:
    """When a message sent now expires (the table's TTL attribute); None: never."""
    if ctx.retention_days is None:
        return None
    return int(ctx.clock().timestamp()) + ctx.retention_days * 86_400


def past_retention(ctx: MessagingContext, messages: Iterable[Message]) -> set[str]:
    """The ids of the messages past their retention: the one rule of every read of a message
    (a page, one message, a quote, an edit, the export). A message carries its end, the table's
    TTL attribute, from the moment it was sent; past it, no read shows the message, though
    DynamoDB's TTL may take two more days to delete it. Read against the context's clock."""
    timed = [m for m in messages if m.expires_at is not None]
    if not timed:
        return set()  # none can have expired: no need to ask the clock
    now = ctx.clock().timestamp()
    return {m.message_uuid for m in timed if m.expired(now)}


def unexpired(ctx: MessagingContext, messages: Sequence[Message]) -> list[Message]:
    """Messages past their retention are never shown, even before the TTL deletes them."""
    gone = past_retention(ctx, messages)
    return [m for m in messages if m.message_uuid not in gone]


def expire_previews(ctx: MessagingContext, entries: list[InboxEntry]) -> list[InboxEntry]:
    """An inbox row whose last message is older than the retention period shows no text (the
    message is gone, or soon will be): "expired", not a preview."""
    if ctx.retention_days is None:
        return entries
    cutoff = format_timestamp(ctx.clock() - timedelta(days=ctx.retention_days))
    return [
        replace(e, last_message="", last_message_expired=True) if e.last_message_at < cutoff else e
        for e in entries
    ]
