"""Changing a group: adding people (admins), removing them (admins; anyone may leave), setting
roles (admins) and renaming it (anyone). Each change is read, checked and written as one
conditional transaction with its event item; a change that lost a race is read and tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from cruddur.domain import groups as rules
from cruddur.domain.groups import MEMBER, Group, Member
from cruddur.domain.model import GroupEvent, Message, UserRef, parse_uuid
from cruddur.errors import Conflict, Invalid, NotFound, Unavailable
from cruddur.services.context import MessagingContext, next_epoch, publish, within_limit
from cruddur.services.groups import Conversation, event_message, people, store_of, view
from cruddur.services.ports.people import Directory

log = logging.getLogger(__name__)
TRIES = 5


@dataclass(frozen=True)
class Change:
    """What one change writes: the group after it, its event items, who joins, who goes."""

    after: Group
    events: tuple[Message, ...]
    added: tuple[Member, ...] = ()
    removed: tuple[str, ...] = ()


async def _group(ctx: MessagingContext, actor: UserRef, group_uuid: str) -> Group:
    """The group, if the actor is a member; a direct conversation has no members to change."""
    group = await store_of(ctx).get_group(group_uuid)
    if group is None:
        if await ctx.store.get_inbox_row(actor.uuid, group_uuid) is not None:
            raise Invalid(
                "a direct conversation has no members to change or title",
                field="message_group_uuid",
            )
        raise NotFound("no such conversation", field="message_group_uuid")
    group.require_member(actor.uuid)
    return group


async def _apply(
    ctx: MessagingContext,
    actor: UserRef,
    group_uuid: str,
    plan: Callable[[Group], Awaitable[Change | None]],
) -> Group:
    """Read the group, plan the change, write it; again if another change came first."""
    group_uuid = parse_uuid(group_uuid, "message_group_uuid")
    store = store_of(ctx)
    for _ in range(TRIES):
        before = await _group(ctx, actor, group_uuid)
        change = await plan(before)
        if change is None:
            return before  # nothing to change
        # Whoever goes loses access at once, in every API process: the group's epoch counts
        # up before the write and again after it, so no access kept before the write, nor
        # read while it was made, is used again (services/membership.py).
        if change.removed and not await next_epoch(ctx, group_uuid):
            raise Unavailable("the shared state did not answer; try again")
        try:
            await store.change_group(
                before, change.after, change.events, change.added, change.removed
            )
        except Conflict:
            continue
        if change.removed and not await next_epoch(ctx, group_uuid):
            log.warning("group %s: access kept elsewhere lasts at most a minute more", group_uuid)
        for member in change.added:
            await store.catch_up(group_uuid, member)
        await _announce(ctx, before, change)
        return change.after
    raise Conflict("the group kept changing; try again")


async def _announce(ctx: MessagingContext, before: Group, change: Change) -> None:
    told = {*before.uuids, *change.after.uuids}
    for member in sorted(told):
        await publish(ctx, member, {"type": "members", "group": change.after.group_uuid})
        await publish(ctx, member, {"type": "inbox", "group": change.after.group_uuid})


async def add_members(
    ctx: MessagingContext, users: Directory, actor: UserRef, group_uuid: str, handles: Sequence[str]
) -> Conversation:
    """Admins add people; those already in it are left as they are."""
    if not handles:
        raise Invalid("name at least one person to add", field="handles")
    found = await people(ctx, users, actor, handles)
    charged: set[str] = set()

    async def plan(group: Group) -> Change | None:
        group.require_admin(actor.uuid)
        fresh = [p for p in found if group.member(p.uuid) is None]
        if not fresh:
            return None
        rules.check_size(len(group.members) + len(fresh), ctx.max_group_members)
        for person in fresh:
            if person.uuid not in charged:  # a plan made again after a lost race: once each
                await within_limit(ctx, "member_add", actor.uuid)
                charged.add(person.uuid)
        events, joining = [], []
        for person in fresh:
            event = event_message(
                ctx, group.group_uuid, actor, GroupEvent("added", person.uuid), None, person
            )
            events.append(event)
            joining.append(
                Member(
                    person.uuid,
                    person.handle,
                    person.display_name,
                    MEMBER,
                    event.created_at,
                    event.sort_key,
                )
            )
        after = rules.with_added(group, joining)
        return Change(after, tuple(events), added=tuple(joining))

    await _apply(ctx, actor, group_uuid, plan)
    log.info("members added group=%s count=%d", group_uuid, len(found))
    return await view(ctx, actor, group_uuid)


async def remove_member(
    ctx: MessagingContext, actor: UserRef, group_uuid: str, handle: str
) -> None:
    """An admin removes anyone; anyone removes themself (leaves). Either way they lose access
    at once and their row leaves their inbox."""

    async def plan(group: Group) -> Change:
        target = _by_handle(group, handle)
        if target.uuid == actor.uuid:
            event = GroupEvent("left")
        else:
            group.require_admin(actor.uuid)
            event = GroupEvent("removed", target.uuid)
        message = event_message(ctx, group.group_uuid, actor, event, None, target.ref)
        after = rules.without(group, target.uuid)
        return Change(after, (message,), removed=(target.uuid,))

    await _apply(ctx, actor, group_uuid, plan)


async def set_role(
    ctx: MessagingContext, actor: UserRef, group_uuid: str, handle: str, role: str
) -> Conversation:
    """Admins make a member an admin, or an admin a member (a group keeps one admin)."""

    async def plan(group: Group) -> Change | None:
        group.require_admin(actor.uuid)
        target = _by_handle(group, handle)
        if target.role == role:
            return None
        after = rules.with_role(group, target.uuid, role)
        event = GroupEvent("role", target.uuid, role)
        message = event_message(ctx, group.group_uuid, actor, event, None, target.ref)
        return Change(after, (message,))

    if role not in rules.ROLES:
        raise Invalid("a role is admin or member", field="role")
    await _apply(ctx, actor, group_uuid, plan)
    return await view(ctx, actor, group_uuid)


async def rename(ctx: MessagingContext, actor: UserRef, group_uuid: str, title: str) -> None:
    """Any member names the group (1 to 100 characters)."""
    cleaned = rules.clean_title(title)
    assert cleaned is not None

    async def plan(group: Group) -> Change | None:
        if group.title == cleaned:
            return None
        message = event_message(
            ctx, group.group_uuid, actor, GroupEvent("renamed", title=cleaned), None
        )
        return Change(rules.renamed(group, cleaned), (message,))

    await _apply(ctx, actor, group_uuid, plan)


async def leave_erased(ctx: MessagingContext, erased: UserRef, group_uuid: str) -> None:
    """An erased account leaves a group: the others read "A deleted account left"."""
    gone = replace(erased, handle="deleted-account", display_name="Deleted account")

    async def plan(group: Group) -> Change:
        message = event_message(ctx, group.group_uuid, gone, GroupEvent("erased"), None)
        return Change(rules.without(group, erased.uuid), (message,), removed=(erased.uuid,))

    try:
        await _apply(ctx, erased, group_uuid, plan)
    except NotFound:
        return  # not a member any more


def _by_handle(group: Group, handle: str) -> Member:
    wanted = handle.lower().removeprefix("@")
    found = next((m for m in group.members if m.handle.lower() == wanted), None)
    if found is None:
        raise NotFound(f"@{wanted} is not a member of this group", field="handle")
    return found
