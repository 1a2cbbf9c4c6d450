"""Group conversations: starting one, and one as its members see it (who is in it, with what
role, how far each has read). Changing one is `group_changes.py`.

A start with one other person is the direct conversation with them: still exactly one per pair.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from cruddur.domain import groups as rules
from cruddur.domain.groups import ADMIN, MEMBER, Group, Member
from cruddur.domain.model import GroupEvent, InboxEntry, Message, UserRef, parse_uuid
from cruddur.errors import Blocked, Conflict, Invalid, NotFound, PairExists
from cruddur.metrics import figures
from cruddur.services.blocking import require_no_block
from cruddur.services.context import MessagingContext, publish, within_limit
from cruddur.services.delivery import new_identity
from cruddur.services.membership import remember
from cruddur.services.ports.groups import GroupStore
from cruddur.services.ports.people import Directory
from cruddur.services.retention import expire_previews, expires_at

log = logging.getLogger(__name__)
MOST_HANDLES = 97  # past any group's size: a longer list is refused before a look-up


@dataclass(frozen=True)
class MemberView:
    uuid: str
    handle: str
    display_name: str
    role: str
    joined_at: str | None
    read_until: str | None


@dataclass(frozen=True)
class Conversation:
    """A conversation as `GET /api/message_groups/{g}` shows it: the viewer's row, and its
    members (a direct one's two, each a "member")."""

    entry: InboxEntry
    members: tuple[MemberView, ...]


def store_of(ctx: MessagingContext) -> GroupStore:
    if ctx.groups is None:
        raise Invalid("group conversations are not available here", field="handles")
    return ctx.groups


async def people(
    ctx: MessagingContext, users: Directory, actor: UserRef, handles: Sequence[str]
) -> list[UserRef]:
    """The people of these handles (each once, never the actor), checked: they exist, and
    neither they nor the actor block the other (403 blocked)."""
    if len(handles) > MOST_HANDLES:
        raise Invalid(f"at most {MOST_HANDLES} handles", field="handles")
    wanted = list(dict.fromkeys(h.lower() for h in handles))

    def look_up() -> list[UserRef]:  # the directory blocks: one thread for the whole list
        found = []
        for handle in wanted:
            try:
                user = users.by_handle(handle)
            except NotFound:
                raise NotFound(f"no user @{handle}", field="handles") from None
            found.append(UserRef(user.uuid, user.handle, user.display_name))
        return found

    found = [p for p in await asyncio.to_thread(look_up) if p.uuid != actor.uuid]
    for person in found:
        try:
            await require_no_block(ctx, actor, person.uuid)
        except Blocked as exc:
            raise Blocked(exc.message.replace("send", "add them"), field="handles") from None
    return found


async def start(
    ctx: MessagingContext,
    users: Directory,
    creator: UserRef,
    handles: Sequence[str],
    title: str | None = None,
    group_uuid: str | None = None,
) -> tuple[Conversation, bool]:
    """`POST /api/message_groups`: a group of the creator and these people, or, with one
    person, the direct conversation with them. (the conversation, whether it is new)."""
    title = rules.clean_title(title)
    others = await people(ctx, users, creator, handles)
    if not others:
        raise Invalid("name at least one other person", field="handles")
    if len(others) == 1:
        if title is not None:
            raise Invalid("a direct conversation has no title", field="title")
        return await _direct(ctx, creator, others[0])
    rules.check_size(len(others) + 1, ctx.max_group_members)
    store = store_of(ctx)
    keyed = group_uuid is not None
    group_uuid = group_uuid or new_identity(ctx).group_uuid
    existing = await store.get_group(group_uuid) if keyed else None
    if existing is not None:  # a retried start (its Idempotency-Key named this group)
        existing.require_member(creator.uuid)
        return await view(ctx, creator, group_uuid), False
    await within_limit(ctx, "group_start", creator.uuid)
    first = event_message(ctx, group_uuid, creator, GroupEvent("created", title=title), None)
    joined = Member(creator.uuid, creator.handle, creator.display_name, ADMIN, "", "")
    members = [joined, *(Member(p.uuid, p.handle, p.display_name, MEMBER, "", "") for p in others)]
    group = Group(
        group_uuid,
        title,
        tuple(
            Member(m.uuid, m.handle, m.display_name, m.role, first.created_at, first.sort_key)
            for m in members
        ),
        version=1,
        created_at=first.created_at,
    )
    try:
        await store.create_group(group, first)
    except Conflict:
        # Two tries of one keyed start at once: the one that lost finds the group made.
        if await store.get_group(group_uuid) is None:
            raise
        return await view(ctx, creator, group_uuid), False
    log.info("group started group=%s members=%d", group_uuid, len(members))
    figures.CONVERSATIONS_STARTED.inc()
    for member in group.uuids:
        await publish(ctx, member, {"type": "inbox", "group": group_uuid})
    return await view(ctx, creator, group_uuid), True


async def _direct(
    ctx: MessagingContext, creator: UserRef, other: UserRef
) -> tuple[Conversation, bool]:
    """The direct conversation of the two: the one they have (not new), or a new one, begun
    by an event item saying who started it."""
    for _ in range(3):
        existing = await ctx.store.find_pair(creator.uuid, other.uuid)
        if existing is not None:
            return await view(ctx, creator, existing), False
        group_uuid = new_identity(ctx).group_uuid
        members = (creator.uuid, other.uuid)
        first = event_message(ctx, group_uuid, creator, GroupEvent("started"), members)
        try:
            await ctx.store.create_conversation(creator, other, first)
        except PairExists:
            continue
        figures.CONVERSATIONS_STARTED.inc()
        for member in members:
            await publish(ctx, member, {"type": "inbox", "group": group_uuid})
        return await view(ctx, creator, group_uuid), True
    raise NotFound("the conversation could not be found; try again")


def event_message(
    ctx: MessagingContext,
    group_uuid: str,
    actor: UserRef,
    event: GroupEvent,
    members: tuple[str, ...] | None,
    target: UserRef | None = None,
) -> Message:
    """An event item: a message of the actor's that says what changed, in words."""
    identity = new_identity(ctx)
    return Message(
        group_uuid=group_uuid,
        message_uuid=identity.message_uuid,
        text=rules.sentence(
            event, actor.display_name, None if target is None else target.display_name
        ),
        created_at=identity.created_at,
        sender=actor,
        member_uuids=members or (),
        expires_at=expires_at(ctx),
        event=event,
    )


async def view(ctx: MessagingContext, viewer: UserRef, group_uuid: str) -> Conversation:
    """The conversation as the viewer sees it (members only: NotFound otherwise)."""
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    row = await ctx.store.get_inbox_row(viewer.uuid, group_uuid)
    access = remember(ctx, viewer.uuid, group_uuid, row)
    assert row is not None
    [entry] = expire_previews(ctx, [row])
    if not access.is_group:
        return Conversation(entry, _direct_members(viewer, entry))
    store = store_of(ctx)
    group = await store.get_group(group_uuid)
    if group is None or group.member(viewer.uuid) is None:
        raise NotFound("no such conversation", field="message_group_uuid")
    reads = await store.read_positions(group)
    members = tuple(
        MemberView(
            m.uuid,
            m.handle,
            m.display_name,
            m.role,
            m.joined_at,
            _until(reads.get(m.uuid, (None, None))[0]),
        )
        for m in group.members
    )
    return Conversation(entry, members)


def _until(read_sk: str | None) -> str | None:
    return None if read_sk is None else read_sk.split("#", 1)[0]


def _direct_members(viewer: UserRef, entry: InboxEntry) -> tuple[MemberView, ...]:
    return (
        MemberView(viewer.uuid, viewer.handle, viewer.display_name, MEMBER, None, entry.read_until),
        MemberView(
            entry.other.uuid,
            entry.other.handle,
            entry.other.display_name,
            MEMBER,
            None,
            entry.other_read_until,
        ),
    )
