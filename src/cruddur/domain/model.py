"""Domain types: what a message, an inbox entry and a page are."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from cruddur.errors import Invalid

T = TypeVar("T")


@dataclass(frozen=True)
class UserRef:
    uuid: str
    handle: str
    display_name: str


@dataclass(frozen=True)
class Message:
    group_uuid: str
    message_uuid: str
    text: str
    created_at: str
    sender: UserRef
    member_uuids: tuple[str, str]

    @property
    def sort_key(self) -> str:
        return f"{self.created_at}#{self.message_uuid}"


@dataclass(frozen=True)
class MessageIdentity:
    """A message's uuid and time chosen ahead of the write, so a retry writes the same message.

    `group_uuid` is the group to create if the message starts a new conversation.
    """

    message_uuid: str
    created_at: str
    group_uuid: str


# An inbox row counts unread messages exactly up to this many; past it, it shows "99+". The cap
# keeps every row's size bounded whatever one sender does (DynamoDB refuses items over 400 KB).
UNREAD_CAP = 100


@dataclass(frozen=True)
class InboxEntry:
    owner_uuid: str
    group_uuid: str
    other: UserRef
    last_message: str
    last_message_at: str
    last_message_sk: str
    unread_count: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class LastMessage:
    """What an inbox row shows of a message. The preview stays sealed (encrypted by the API):
    the stream processor copies it into the rows and never reads it."""

    group_uuid: str
    message_uuid: str
    created_at: str
    sender_uuid: str
    member_uuids: tuple[str, str]
    sealed_preview: bytes

    @property
    def sort_key(self) -> str:
        return f"{self.created_at}#{self.message_uuid}"


@dataclass(frozen=True)
class InboxChange:
    """What one batch of messages does to one member's inbox row (pattern D)."""

    owner_uuid: str
    group_uuid: str
    latest: LastMessage
    unread_sks: frozenset[str] = field(default_factory=frozenset)


def parse_uuid(value: str, field_name: str) -> str:
    """Canonical lowercase form, or Invalid: a malformed uuid is bad input, not a lookup."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise Invalid(f"{field_name} is not a valid uuid", field=field_name) from exc
