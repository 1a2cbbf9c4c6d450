"""Marking a conversation read: the reader's unread count, and the other member's "Seen"."""

from __future__ import annotations

from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import ReadPosition, parse_uuid
from cruddur.services.context import MessagingContext, publish
from cruddur.services.membership import audience, members_of


async def mark_read(ctx: MessagingContext, owner: str, group_uuid: str) -> ReadPosition | None:
    """Everything shown is read. The other member's pages hear how far (for "Seen"), the
    owner's other pages that nothing is unread. None if it already was all read."""
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    access = await members_of(ctx, owner, group_uuid)
    now = format_timestamp(ctx.clock())
    # A group's "Seen by" reads each member's own row: no other row is told.
    position = await ctx.store.mark_read(owner, access.other, group_uuid, now)
    if position is not None:
        event = read_event(position)
        for member in await audience(ctx, group_uuid, access):
            if member != owner:
                await publish(ctx, member, {**event, "reader": owner})
        await publish(ctx, owner, {"type": "inbox", "group": group_uuid})
    return position


def read_event(position: ReadPosition) -> dict[str, str]:
    return {
        "type": "read",
        "group": position.group_uuid,
        "read_until": position.read_until,
        "read_at": position.read_at,
    }
