"""Reading, editing, deleting and reacting to one message: members only, changes to the text
by its author only, reactions by either member.

The members' open pages hear of a change at once (an event naming the message, never its
text); their inbox previews follow through the stream, like a new message's.
"""

from __future__ import annotations

import logging

from cruddur.domain.clock import format_timestamp
from cruddur.domain.ids import created_at_of
from cruddur.domain.model import Message, UserRef, parse_uuid
from cruddur.domain.reactions import clean_reaction
from cruddur.domain.text import clean_message
from cruddur.errors import NotFound
from cruddur.metrics import figures
from cruddur.services.attachments import delete_files
from cruddur.services.context import MessagingContext, publish, within_limit
from cruddur.services.membership import (
    Access,
    audience,
    require_member,
    require_no_block_in,
)
from cruddur.services.reading import with_replies
from cruddur.services.retention import SHORTEST_RETENTION, past_retention

log = logging.getLogger(__name__)


async def get_message(
    ctx: MessagingContext, viewer: str, group_uuid: str, message_uuid: str
) -> Message:
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    message_uuid = parse_uuid(message_uuid, "message_uuid")
    await require_member(ctx, viewer, group_uuid)
    message = _kept(ctx, await ctx.edits.get(group_uuid, message_uuid))
    [found] = await with_replies(ctx, group_uuid, [message])
    return found


def _kept(ctx: MessagingContext, message: Message) -> Message:
    """The message, unless its retention has passed: then none, as if the TTL had run."""
    if past_retention(ctx, [message]):
        raise NotFound("no such message", field="message_uuid")
    return message


async def _not_past_retention(ctx: MessagingContext, group_uuid: str, message_uuid: str) -> None:
    """NotFound if the message's retention has passed, before a change is written: no read
    shows it, so no change may answer with it (nor the stream carry it to an inbox). Only a
    message old enough to have expired is read for it, so an edit of a recent one costs what
    it did."""
    created_at = created_at_of(message_uuid)
    if created_at is None or created_at > format_timestamp(ctx.clock() - SHORTEST_RETENTION):
        return
    _kept(ctx, await ctx.edits.get(group_uuid, message_uuid))


async def edit_message(
    ctx: MessagingContext, author: UserRef, group_uuid: str, message_uuid: str, text: str
) -> Message:
    # Every check before the write: bad text, a foreign group, a malformed id write nothing.
    text = clean_message(text, ctx.max_chars)
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    message_uuid = parse_uuid(message_uuid, "message_uuid")
    access = await require_member(ctx, author.uuid, group_uuid)
    await _not_past_retention(ctx, group_uuid, message_uuid)
    # A block stops new words either way, edits too (deleting your own stays possible).
    await require_no_block_in(ctx, author, access)
    # Edits and deletions are writes of the same kind as sends: one limit for all of them.
    await within_limit(ctx, "send", author.uuid)
    edited = await ctx.edits.edit(
        group_uuid, message_uuid, author.uuid, text, format_timestamp(ctx.clock())
    )
    await _announce(ctx, access, group_uuid, message_uuid)
    log.debug("message edited group=%s", group_uuid)
    figures.MESSAGE_CHANGES.labels("edit").inc()
    [shown] = await with_replies(ctx, group_uuid, [edited])
    return shown


async def delete_message(
    ctx: MessagingContext, author: UserRef, group_uuid: str, message_uuid: str
) -> None:
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    message_uuid = parse_uuid(message_uuid, "message_uuid")
    access = await require_member(ctx, author.uuid, group_uuid)
    # Edits and deletions are writes of the same kind as sends: one limit for all of them.
    await within_limit(ctx, "send", author.uuid)
    removed = await ctx.edits.delete(
        group_uuid, message_uuid, author.uuid, format_timestamp(ctx.clock())
    )
    await delete_files(ctx, removed)
    await _announce(ctx, access, group_uuid, message_uuid)
    log.debug("message deleted group=%s", group_uuid)
    figures.MESSAGE_CHANGES.labels("delete").inc()


async def react(
    ctx: MessagingContext,
    member: UserRef,
    group_uuid: str,
    message_uuid: str,
    emoji: str,
    *,
    present: bool,
) -> None:
    """Put a reaction under a message (present) or take yours away; both idempotent."""
    emoji = clean_reaction(emoji)
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    message_uuid = parse_uuid(message_uuid, "message_uuid")
    access = await require_member(ctx, member.uuid, group_uuid)
    if present:
        # A block stops reactions either way, as it stops words; taking yours away stays possible.
        await require_no_block_in(ctx, member, access)
    # One limit for every write a person makes to a conversation.
    await within_limit(ctx, "send", member.uuid)
    await ctx.edits.react(group_uuid, message_uuid, access.members, member.uuid, emoji, present)
    await _announce(ctx, access, group_uuid, message_uuid)
    figures.MESSAGE_CHANGES.labels("react" if present else "unreact").inc()


async def _announce(
    ctx: MessagingContext, access: Access, group_uuid: str, message_uuid: str
) -> None:
    event = {"type": "message", "group": group_uuid, "message_uuid": message_uuid}
    for member in await audience(ctx, group_uuid, access):
        await publish(ctx, member, event)
