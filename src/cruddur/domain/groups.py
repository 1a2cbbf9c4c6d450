"""Group conversations: who is in one, with what role, and the rules of changing that (no I/O).

A group has 3 to `max_members` members (a setting, 50 by default). Its creator is its first
admin; admins add, remove and set roles; anyone may rename it or leave. When the last admin
leaves, the longest-standing member becomes one, so a group always has an admin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cruddur.domain.model import GroupEvent, UserRef
from cruddur.domain.text import clean_shown
from cruddur.errors import Invalid, NotAdmin, NotFound

DIRECT = "direct"
GROUP = "group"
ADMIN = "admin"
MEMBER = "member"
ROLES = (ADMIN, MEMBER)
MAX_MEMBERS = 50
TITLE_MAX = 100
# What an event item records, and what each reads as (the actor's name, then the target's).
EVENT_KINDS = ("created", "started", "added", "removed", "left", "erased", "role", "renamed")


@dataclass(frozen=True)
class Member:
    uuid: str
    handle: str
    display_name: str
    role: str
    joined_at: str
    joined_sk: str  # the sort key of the event item that added them: they read from there on

    @property
    def ref(self) -> UserRef:
        return UserRef(self.uuid, self.handle, self.display_name)


@dataclass(frozen=True)
class Group:
    """A group's membership item: its members in the order they joined, its title, and a
    version that every change counts up (changes are conditional on the version they read)."""

    group_uuid: str
    title: str | None
    members: tuple[Member, ...]
    version: int
    created_at: str

    def member(self, user_uuid: str) -> Member | None:
        return next((m for m in self.members if m.uuid == user_uuid), None)

    def require_member(self, user_uuid: str) -> Member:
        found = self.member(user_uuid)
        if found is None:
            raise NotFound("no such conversation", field="message_group_uuid")
        return found

    def require_admin(self, user_uuid: str) -> Member:
        found = self.require_member(user_uuid)
        if found.role != ADMIN:
            raise NotAdmin("only the group's admins may do that")
        return found

    @property
    def uuids(self) -> tuple[str, ...]:
        return tuple(m.uuid for m in self.members)


def clean_title(title: str | None) -> str | None:
    """A title of 1 to TITLE_MAX characters on one line, or None for no title."""
    if title is None:
        return None
    return clean_shown(title, "title", TITLE_MAX, multiline=False)


def check_size(count: int, max_members: int) -> None:
    if count > max_members:
        raise Invalid(
            f"a group has at most {max_members} members ({max_members - 1} besides you)",
            field="handles",
        )


def with_added(group: Group, people: list[Member]) -> Group:
    known = set(group.uuids)
    fresh = [m for m in people if m.uuid not in known]
    return replace(group, members=(*group.members, *fresh), version=group.version + 1)


def without(group: Group, user_uuid: str) -> Group:
    """The group once `user_uuid` has gone; an admin named if none is left."""
    rest = tuple(m for m in group.members if m.uuid != user_uuid)
    if rest and not any(m.role == ADMIN for m in rest):
        # The longest-standing member: members are kept in the order they joined.
        rest = (replace(rest[0], role=ADMIN), *rest[1:])
    return replace(group, members=rest, version=group.version + 1)


def with_role(group: Group, user_uuid: str, role: str) -> Group:
    if role not in ROLES:
        raise Invalid("a role is admin or member", field="role")
    changed = tuple(replace(m, role=role) if m.uuid == user_uuid else m for m in group.members)
    if not any(m.role == ADMIN for m in changed):
        raise Invalid("a group keeps at least one admin: make someone else one first", field="role")
    return replace(group, members=changed, version=group.version + 1)


def renamed(group: Group, title: str) -> Group:
    return replace(group, title=title, version=group.version + 1)


def row_name(title: str | None, names: tuple[str, ...], count: int) -> str:
    """What an inbox row of a group is called: its title, or the other members' names
    ("Ada, Bruno and 3 others"), given the first few of them and how many members there are."""
    if title:
        return title
    others = count - 1
    shown = list(names[:2])
    if others <= len(shown):
        return " and ".join(shown) if len(shown) <= 2 else ", ".join(shown)
    rest = others - len(shown)
    return f"{', '.join(shown)} and {rest} other{'s' if rest != 1 else ''}"


def sentence(event: GroupEvent, actor: str, target: str | None) -> str:
    """What an event item says, in the words its readers see."""
    match event.kind:
        case "created":
            return f"{actor} started the group" + (f" “{event.title}”" if event.title else "")
        case "started":
            return f"{actor} started the conversation"
        case "erased":
            return "A deleted account left"
        case "added":
            return f"{actor} added {target}"
        case "removed":
            return f"{actor} removed {target}"
        case "left":
            return f"{actor} left"
        case "role":
            return f"{actor} made {target} {'an admin' if event.title == ADMIN else 'a member'}"
        case "renamed":
            return f"{actor} named the group “{event.title}”"
    raise ValueError(f"unknown event kind {event.kind}")
