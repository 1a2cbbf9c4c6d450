"""Reading a conversation: its pages, as a member sees them (pattern A)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from cruddur.domain.model import Message, Page, Reply, parse_uuid
from cruddur.services.context import MessagingContext
from cruddur.services.membership import members_of
from cruddur.services.paging import check_limit, decode_cursor, page_of
from cruddur.services.retention import past_retention, unexpired


async def list_messages(
    ctx: MessagingContext, viewer: str, group_uuid: str, limit: int = 20, cursor: str | None = None
) -> Page[Message]:
    """One page of a conversation, oldest first within the page; the cursor leads to older ones."""
    check_limit(ctx, limit)
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    access = await members_of(ctx, viewer, group_uuid)
    scope = f"messages:{viewer}:{group_uuid}"
    after = decode_cursor(ctx, scope, cursor)
    # A group member reads from their joining on, never before.
    found, last = await ctx.store.query_messages(group_uuid, limit, after, access.joined_sk)
    shown = await as_shown(ctx, group_uuid, found)
    shown.reverse()
    return page_of(ctx, scope, shown, last)


async def as_shown(
    ctx: MessagingContext, group_uuid: str, found: Sequence[Message]
) -> list[Message]:
    """Messages read from the store as a member sees them: those past their retention left
    out, each reply with its quote. Every reader of pages (the app's, the export) shows these."""
    return await with_replies(ctx, group_uuid, unexpired(ctx, found))


async def with_replies(
    ctx: MessagingContext, group_uuid: str, messages: Sequence[Message]
) -> list[Message]:
    """The messages, each reply with the message it answers as that reads now. Those not
    among `messages` are read at once (one BatchGetItem); a page without replies reads none."""
    wanted = {m.reply_to_uuid for m in messages if m.reply_to_uuid and m.reply_to is None}
    if not wanted:
        return list(messages)
    known = {m.message_uuid: m for m in messages}
    missing = {uuid for uuid in wanted if uuid not in known}
    if missing:
        known |= await ctx.edits.get_many(group_uuid, missing)
    gone = past_retention(ctx, known.values())
    known = {  # a quoted message past its retention reads as gone
        uuid: replace(m, text="", deleted=True) if uuid in gone else m for uuid, m in known.items()
    }
    return [
        replace(m, reply_to=Reply.of(known[m.reply_to_uuid]))
        if m.reply_to is None and m.reply_to_uuid in known
        else m
        for m in messages
    ]
