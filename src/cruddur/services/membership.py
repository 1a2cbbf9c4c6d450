"""Who may read and write a conversation: its members, checked on every read and write (pattern
E: one consistent GetItem of the reader's inbox row), then remembered, as the members of a
direct conversation never change."""

from __future__ import annotations

from cruddur.domain.model import InboxEntry, parse_uuid
from cruddur.errors import NotFound
from cruddur.services.context import MessagingContext


async def require_member(ctx: MessagingContext, user_uuid: str, group_uuid: str) -> tuple[str, str]:
    """Both members of the group, if `user_uuid` is one; NotFound otherwise. A group you are
    not in answers exactly as a group that does not exist. `group_uuid` as the caller gave it."""
    return await members_of(ctx, user_uuid, parse_uuid(group_uuid, "message_group_uuid"))


async def members_of(ctx: MessagingContext, user_uuid: str, group_uuid: str) -> tuple[str, str]:
    """`require_member` of a group id already parsed."""
    cached = ctx.members.get(user_uuid, group_uuid)
    if cached is not None:
        return cached
    row = await ctx.store.get_inbox_row(user_uuid, group_uuid)
    return remember(ctx, user_uuid, group_uuid, row)


def remember(
    ctx: MessagingContext, user_uuid: str, group_uuid: str, row: InboxEntry | None
) -> tuple[str, str]:
    """The members a row read just now names (NotFound for no row), kept for the next time."""
    if row is None:
        raise NotFound("no such conversation", field="message_group_uuid")
    members = (user_uuid, row.other.uuid)
    ctx.members.put(user_uuid, group_uuid, members)
    return members
