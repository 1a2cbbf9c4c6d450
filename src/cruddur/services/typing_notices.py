"""Typing notices: ephemeral, nothing stored; the other member's open pages show them briefly."""

from __future__ import annotations

from cruddur.domain.model import UserRef, parse_uuid
from cruddur.services.blocking import require_no_block
from cruddur.services.context import MessagingContext, publish, within_limit
from cruddur.services.membership import require_member


async def notify_typing(ctx: MessagingContext, typist: UserRef, group_uuid: str) -> None:
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    _, other = await require_member(ctx, typist.uuid, group_uuid)
    await require_no_block(ctx, typist, other)  # nothing of a blocked user reaches the blocker
    await within_limit(ctx, "typing", typist.uuid)
    await publish(
        ctx,
        other,
        {
            "type": "typing",
            "group": group_uuid,
            "handle": typist.handle,
            "display_name": typist.display_name,
        },
    )
