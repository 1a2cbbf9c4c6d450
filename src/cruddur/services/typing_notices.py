"""Typing notices: ephemeral, nothing stored; the other member's open pages show them briefly."""

from __future__ import annotations

from cruddur.domain.model import UserRef, parse_uuid
from cruddur.services.context import MessagingContext, publish, within_limit
from cruddur.services.membership import audience, require_member, require_no_block_in


async def notify_typing(ctx: MessagingContext, typist: UserRef, group_uuid: str) -> None:
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    access = await require_member(ctx, typist.uuid, group_uuid)
    # Nothing of a blocked user reaches the blocker (in a group, their pages fold it).
    await require_no_block_in(ctx, typist, access)
    await within_limit(ctx, "typing", typist.uuid)
    event = {
        "type": "typing",
        "group": group_uuid,
        "handle": typist.handle,
        "display_name": typist.display_name,
    }
    for member in await audience(ctx, group_uuid, access):
        if member != typist.uuid:
            await publish(ctx, member, event)
