"""Who may read and write a conversation: its members, checked on every read and write (pattern
E: one consistent GetItem of the reader's inbox row). A direct conversation's two members never
change, so they are remembered; a group's membership is read every time (a member who leaves
or is removed loses access at once)."""

from __future__ import annotations

from dataclasses import dataclass

from cruddur.domain.model import InboxEntry, RowAccess, UserRef, parse_uuid
from cruddur.errors import NotFound
from cruddur.services.blocking import require_no_block
from cruddur.services.context import MessagingContext, group_epoch


@dataclass(frozen=True)
class Access:
    """A member's access to a conversation: a direct one's two members (theirs first), or a
    group's (no members carried: its membership item names them), and where they read from."""

    members: tuple[str, ...]
    joined_sk: str | None = None

    @property
    def is_group(self) -> bool:
        return not self.members

    @property
    def other(self) -> str | None:
        """The other member of a direct conversation; None in a group."""
        return self.members[1] if self.members else None


async def require_member(ctx: MessagingContext, user_uuid: str, group_uuid: str) -> Access:
    """The user's access to the group, if they are a member; NotFound otherwise. A group you
    are not in answers exactly as a group that does not exist. `group_uuid` as the caller gave
    it."""
    return await members_of(ctx, user_uuid, parse_uuid(group_uuid, "message_group_uuid"))


async def members_of(ctx: MessagingContext, user_uuid: str, group_uuid: str) -> Access:
    """`require_member` of a group id already parsed."""
    cached = ctx.members.get(user_uuid, group_uuid)
    if cached is not None:
        return Access(cached)
    # A group's access, kept while no one has left it since (read before the row, so a
    # removal that lands between the two voids what is kept).
    epoch = await group_epoch(ctx, group_uuid)
    if epoch is not None:
        kept = ctx.group_access.get(user_uuid, group_uuid, epoch)
        if kept is not None:
            return Access((), kept[0])
    # Only what access needs: the row's sealed preview is left out, so checking a member never
    # loads the key of whoever wrote last (a page then loads its authors' keys in one batch).
    access = await ctx.store.get_access(user_uuid, group_uuid)
    if access is None:
        raise NotFound("no such conversation", field="message_group_uuid")
    if access.kind != "direct" and epoch is not None:
        ctx.group_access.put(user_uuid, group_uuid, access.joined_sk, epoch)
    return _kept(ctx, user_uuid, group_uuid, access)


def remember(
    ctx: MessagingContext, user_uuid: str, group_uuid: str, row: InboxEntry | None
) -> Access:
    """The access a row read just now gives (NotFound for no row); a direct conversation's is
    kept for the next time."""
    if row is None:
        raise NotFound("no such conversation", field="message_group_uuid")
    return _kept(ctx, user_uuid, group_uuid, RowAccess(row.kind, row.other.uuid, row.joined_sk))


def _kept(ctx: MessagingContext, user_uuid: str, group_uuid: str, row: RowAccess) -> Access:
    """The access a row gives; a direct conversation's two members are kept for good."""
    if row.kind != "direct":
        return Access((), row.joined_sk)
    members = (user_uuid, row.other_uuid)
    ctx.members.put(user_uuid, group_uuid, members)
    return Access(members)


async def require_no_block_in(ctx: MessagingContext, user: UserRef, access: Access) -> None:
    """Blocked if the two of a direct conversation block each other. A group two people share
    stays shared after a block: its members' pages fold the blocked one's messages."""
    if access.other is not None:
        await require_no_block(ctx, user, access.other)


async def audience(ctx: MessagingContext, group_uuid: str, access: Access) -> tuple[str, ...]:
    """Everyone a live event of the conversation goes to: its members now."""
    if not access.is_group or ctx.groups is None:
        return access.members
    group = await ctx.groups.get_group(group_uuid)
    return () if group is None else group.uuids
