"""Domain types: what a message, an inbox entry and a page are."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, NewType, TypeVar

from cruddur.domain import keys
from cruddur.domain.attachments import Attachment, file_preview
from cruddur.domain.text import preview
from cruddur.errors import Invalid

T = TypeVar("T")


@dataclass(frozen=True)
class UserRef:
    uuid: str
    handle: str
    display_name: str


@dataclass(frozen=True)
class GroupEvent:
    """A change to a group's membership or title, kept in its timeline as an item of its own:
    who did it (the message's sender), to whom, and the new title of a rename."""

    kind: str  # one of domain/groups.EVENT_KINDS
    target_uuid: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Message:
    group_uuid: str
    message_uuid: str
    text: str  # "" once deleted
    created_at: str
    sender: UserRef
    # A direct conversation's two members, carried by each message for the stream processor;
    # a group's message carries none (the processor reads the group's membership item).
    member_uuids: tuple[str, ...]
    edited_at: str | None = None  # the last edit or the deletion
    deleted: bool = False  # a tombstone: it keeps its place in the conversation, not its text
    rev: int = 0  # edits and the deletion count up: the stream keeps the highest it has seen
    # Each member's reactions (emoji); a deletion removes them with the text.
    reactions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    reply_to_uuid: str | None = None  # the message of the same conversation this answers
    reply_to: Reply | None = None  # that message as it reads now, when the reply is shown
    attachments: tuple[Attachment, ...] = ()  # its photos and files; a deletion removes them
    expires_at: int | None = None  # epoch seconds, under a retention period; None: kept
    event: GroupEvent | None = None  # a group's event item: `text` says it in words

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def sort_key(self) -> str:
        return keys.message_sk(self.created_at, self.message_uuid)


@dataclass(frozen=True)
class Reply:
    """What a reply shows of the message it answers, as that message reads now: its author
    and the start of its current text, or that it was deleted (and then no text)."""

    message_uuid: str
    sender: UserRef
    preview: str
    deleted: bool

    @classmethod
    def of(cls, original: Message) -> Reply:
        if original.deleted:
            shown = ""
        else:  # a message of files only is quoted by what they are
            shown = preview(original.text) if original.text else file_preview(original.attachments)
        return cls(original.message_uuid, original.sender, shown, original.deleted)


@dataclass(frozen=True)
class MessageIdentity:
    """A message's uuid and time chosen ahead of the write, so a retry writes the same message.

    `group_uuid` is the group to create if the message starts a new conversation.
    """

    message_uuid: str
    created_at: str
    group_uuid: str


@dataclass(frozen=True)
class Claim:
    """An idempotency record: the request's fingerprint (the same key with another body is
    refused) and the identity every retry of it writes."""

    fingerprint: str
    identity: MessageIdentity


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
    last_message_deleted: bool = False
    last_message_expired: bool = False  # older than the retention period: no text shown
    # How far the other member has read, and when: "Seen" under your messages up to there.
    other_read_sk: str | None = None
    other_read_at: str | None = None
    # The owner's choices for this conversation (InboxChoices).
    muted: bool = False
    archived: bool = False
    pinned: bool = False
    # How far the owner has read, and when (their export shows it).
    read_sk: str | None = None
    read_at: str | None = None
    # A group's row: its title, how many members it has, the first few other members' names
    # (for a row without a title), and where the owner's membership starts.
    kind: str = "direct"
    title: str | None = None
    member_count: int = 2
    member_names: tuple[str, ...] = ()
    joined_sk: str | None = None

    @property
    def read_until(self) -> str | None:
        return None if self.read_sk is None else keys.created_at_of_sk(self.read_sk)

    @property
    def other_read_until(self) -> str | None:
        """The created_at of the newest message the other member has read."""
        return None if self.other_read_sk is None else keys.created_at_of_sk(self.other_read_sk)


@dataclass(frozen=True)
class RowAccess:
    """What pattern E needs of a member's row: whether it is a group's, the other member of a
    direct conversation, and where a group member's membership starts."""

    kind: str
    other_uuid: str
    joined_sk: str | None = None


# Pinned conversations head the first page of an inbox: a handful, as in the chats people use.
MAX_PINNED = 5


@dataclass(frozen=True)
class InboxChoices:
    """What a member changes of their own row (None: leave it). Muted: unread still counts,
    nothing notifies. Archived: out of the inbox until a new message arrives (for good while
    muted). Pinned: first in the inbox. Archiving unpins, pinning unarchives."""

    muted: bool | None = None
    archived: bool | None = None
    pinned: bool | None = None

    def __post_init__(self) -> None:
        if self.muted is None and self.archived is None and self.pinned is None:
            raise Invalid("give muted, archived or pinned", field="muted")
        if self.archived and self.pinned:
            raise Invalid("a conversation is pinned or archived, not both", field="pinned")


# Where a paged read goes on: made and read by the store that paged, opaque to everything else
# (the API hands it out signed, as a cursor).
Position = NewType("Position", str)


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
    member_uuids: tuple[str, ...]  # a direct conversation's two; () for a group's message
    sealed_preview: bytes  # empty once deleted
    rev: int = 0  # 0: as sent; each edit, and the deletion, add one
    deleted: bool = False
    event: bool = False  # a group's event item: it moves the rows' preview, is never unread

    @property
    def sort_key(self) -> str:
        return keys.message_sk(self.created_at, self.message_uuid)


@dataclass(frozen=True)
class InboxChange:
    """What one batch of messages does to one member's inbox row (pattern D)."""

    owner_uuid: str
    group_uuid: str
    latest: LastMessage
    unread_sks: frozenset[str] = field(default_factory=frozenset)
    # Unread messages deleted since: their tokens leave the row's unread set.
    dropped_sks: frozenset[str] = field(default_factory=frozenset)
    # A group member's row may be gone (they left): then there is nothing to apply, not a fault.
    optional: bool = False


@dataclass(frozen=True)
class ReadPosition:
    """How far a member has read a conversation: up to the message at `sort_key`, at `read_at`."""

    group_uuid: str
    reader_uuid: str
    sort_key: str
    read_at: str

    @property
    def read_until(self) -> str:
        return keys.created_at_of_sk(self.sort_key)


@dataclass(frozen=True)
class Block:
    """`owner` blocks `blocked`: no messages either way; the owner's inbox hides the pair's row."""

    owner_uuid: str
    blocked: UserRef
    blocked_at: str


def parse_uuid(value: str, field_name: str) -> str:
    """Canonical lowercase form, or Invalid: a malformed uuid is bad input, not a lookup."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise Invalid(f"{field_name} is not a valid uuid", field=field_name) from exc


@dataclass(frozen=True)
class User:
    """A person with an account (the users directory's row)."""

    uuid: str
    handle: str
    display_name: str
    email: str
    cognito_user_id: str | None
    password_hash: str | None


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says: whose it is and until when (epoch seconds)."""

    sub: str
    username: str | None
    expires_at: float
    issued_at: float = 0.0


@dataclass(frozen=True)
class PushDevice:
    """A browser's push subscription: where its push service takes messages for it, and the
    keys its messages are encrypted to (RFC 8291)."""

    endpoint: str
    p256dh: bytes
    auth: bytes
    subscribed_at: str  # when the browser last subscribed: the web app renews at each start
    expires_at: int  # epoch seconds: DynamoDB's TTL deletes the device after it
