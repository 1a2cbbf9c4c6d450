"""A person's inbox: their conversations, newest activity first (pattern B), the pinned ones
first, and their choices for each (mute, archive, pin)."""

from __future__ import annotations

from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import InboxChoices, InboxEntry, Page, parse_uuid
from cruddur.services.context import MessagingContext, publish
from cruddur.services.membership import members_of, remember
from cruddur.services.paging import check_limit, decode_cursor, page_of
from cruddur.services.retention import expire_previews


async def list_inbox(
    ctx: MessagingContext,
    owner: str,
    limit: int = 20,
    cursor: str | None = None,
    *,
    archived: bool = False,
) -> Page[InboxEntry]:
    """One page of the owner's conversations, newest activity first; the pinned ones (at most
    MAX_PINNED) head the first page, before the rest. Or, `archived`, the archived ones."""
    check_limit(ctx, limit)
    view = "archived" if archived else "inbox"
    scope = f"inbox:{owner}" if view == "inbox" else f"inbox:{view}:{owner}"
    after = decode_cursor(ctx, scope, cursor)
    if archived or after is not None:
        found, last = await ctx.store.query_inbox(owner, limit, after, view)
        return page_of(ctx, scope, expire_previews(ctx, found), last)
    # The first page: the pinned rows and the newest others, read together (a page's worth: the
    # pinned take some of its places, and the cursor follows the last of the others shown).
    pinned, others, last = await ctx.store.first_inbox_page(owner, limit)
    room = max(limit - len(pinned), 0)
    if len(others) > room:
        # The next page starts after the last other row shown; when the pinned rows filled
        # this one, before every row (at the newest other).
        last = ctx.store.inbox_position(owner, others[room - 1] if room else None)
    return page_of(ctx, scope, expire_previews(ctx, [*pinned, *others[:room]]), last)


async def get_conversation(ctx: MessagingContext, viewer: str, group_uuid: str) -> InboxEntry:
    """The viewer's inbox row of one conversation (members only), read fresh: it carries the
    other member's read position."""
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    row = await ctx.store.get_inbox_row(viewer, group_uuid)
    remember(ctx, viewer, group_uuid, row)
    assert row is not None
    return expire_previews(ctx, [row])[0]


async def set_inbox_choices(
    ctx: MessagingContext, owner: str, group_uuid: str, choices: InboxChoices
) -> InboxEntry:
    """The owner's choices for a conversation of theirs (mute, archive, pin); their open pages
    refresh their inbox."""
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    await members_of(ctx, owner, group_uuid)
    now = format_timestamp(ctx.clock())
    entry = await ctx.store.apply_choices(owner, group_uuid, choices, now)
    await publish(ctx, owner, {"type": "inbox", "group": group_uuid})
    return entry
