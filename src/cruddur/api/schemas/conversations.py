"""Conversations (message groups): one as an inbox row shows it, and one's choices for it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cruddur.api.schemas.common import HANDLE_PATTERN, RequestBody
from cruddur.domain.groups import TITLE_MAX
from cruddur.domain.model import UNREAD_CAP, InboxChoices, InboxEntry
from cruddur.services.groups import Conversation


def _absent_is_unchanged(schema: dict[str, Any]) -> None:
    # Such a field has no default to document: left out, the choice stays as it is.
    schema.pop("default", None)


class ConversationChange(RequestBody):
    """Your choices for one of your conversations; any of them, at least one."""

    # At least one choice, and not archived and pinned at once (the service answers 400 to no
    # choice and to both); a choice left out stays as it is, so null is no value of these.
    model_config = ConfigDict(
        json_schema_extra={
            "minProperties": 1,
            "not": {
                "required": ["archived", "pinned"],
                "properties": {"archived": {"const": True}, "pinned": {"const": True}},
            },
        }
    )

    muted: bool = Field(
        default=False,
        description="unread still counts; nothing notifies",
        json_schema_extra=_absent_is_unchanged,
    )
    archived: bool = Field(
        default=False,
        description="out of the inbox until a new message arrives (for good while muted); unpins",
        json_schema_extra=_absent_is_unchanged,
    )
    pinned: bool = Field(
        default=False,
        description="first in the inbox (at most 5); unarchives",
        json_schema_extra=_absent_is_unchanged,
    )
    title: str = Field(
        default="",
        max_length=TITLE_MAX,
        description="a group's new title, 1 to 100 characters (any member; for everyone)",
        json_schema_extra=_absent_is_unchanged,
    )

    def choices(self) -> InboxChoices | None:
        """The choices given; None for those left out (None: no choice, only a title)."""
        given = self.model_fields_set
        if "title" in given and not given & {"muted", "archived", "pinned"}:
            return None  # only a rename (with none at all, InboxChoices says what to give)
        return InboxChoices(
            muted=self.muted if "muted" in given else None,
            archived=self.archived if "archived" in given else None,
            pinned=self.pinned if "pinned" in given else None,
        )


class ConversationPublic(BaseModel):
    """One inbox row: the other member, the last message and how many are unread."""

    uuid: str
    display_name: str
    handle: str
    message: str
    created_at: str
    unread_count: int = Field(
        description=f"exact below {UNREAD_CAP}; {UNREAD_CAP} means that many or more (show"
        f" {UNREAD_CAP - 1}+)"
    )
    deleted: bool = Field(default=False, description="the last message was deleted")
    expired: bool = Field(
        default=False, description="the last message is older than the retention period"
    )
    other_read_until: str | None = Field(
        default=None,
        description="the other member has read every message created up to this time",
    )
    other_read_at: str | None = Field(default=None, description="when they read them")
    muted: bool = Field(default=False, description="unread still counts; nothing notifies")
    archived: bool = Field(
        default=False, description="out of the inbox until a new message arrives (unless muted)"
    )
    pinned: bool = Field(default=False, description="first in the inbox")
    kind: Literal["direct", "group"] = Field(
        default="direct", description="a direct conversation of two, or a group"
    )
    title: str | None = Field(default=None, description="a group's title, if it has one")
    member_count: int = Field(default=2, description="how many members it has")

    @classmethod
    def of(cls, entry: InboxEntry) -> ConversationPublic:
        return cls.model_construct(**_fields(entry))


def _fields(entry: InboxEntry) -> dict[str, Any]:
    return dict(
        uuid=entry.group_uuid,
        display_name=entry.other.display_name,
        handle=entry.other.handle,
        message=entry.last_message,
        created_at=entry.last_message_at,
        unread_count=entry.unread_count,
        deleted=entry.last_message_deleted,
        expired=entry.last_message_expired,
        other_read_until=entry.other_read_until,
        other_read_at=entry.other_read_at,
        muted=entry.muted,
        archived=entry.archived,
        pinned=entry.pinned,
        kind=entry.kind,
        title=entry.title,
        member_count=entry.member_count,
    )


class MemberPublic(BaseModel):
    uuid: str
    handle: str
    display_name: str
    role: Literal["admin", "member"]
    joined_at: str | None = Field(description="when they joined (a group's members)")
    read_until: str | None = Field(
        description='they have read every message created up to this time ("Seen")'
    )


class ConversationDetail(ConversationPublic):
    """One conversation with its members: a direct one's two, or a group's, in the order they
    joined, with their roles and how far each has read ("Seen by")."""

    members: list[MemberPublic]

    @classmethod
    def shown(cls, conversation: Conversation) -> ConversationDetail:
        members = [
            MemberPublic.model_construct(
                uuid=m.uuid,
                handle=m.handle,
                display_name=m.display_name,
                role=m.role,
                joined_at=m.joined_at,
                read_until=m.read_until,
            )
            for m in conversation.members
        ]
        return cls.model_construct(**_fields(conversation.entry), members=members)


class GroupCreate(RequestBody):
    """People to talk with: one handle is the direct conversation with them; 2 to 49 make a
    group (the server's member limit applies)."""

    handles: list[Annotated[str, Field(pattern=HANDLE_PATTERN, max_length=64)]] = Field(
        min_length=1, max_length=97, description="the other people's handles"
    )
    title: str | None = Field(
        default=None, max_length=TITLE_MAX, description="a group's title, 1 to 100 characters"
    )


class MembersAdd(RequestBody):
    handles: list[Annotated[str, Field(pattern=HANDLE_PATTERN, max_length=64)]] = Field(
        min_length=1, max_length=97, description="the people to add (admins only)"
    )


class RoleChange(RequestBody):
    role: Literal["admin", "member"]
