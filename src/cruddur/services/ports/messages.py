"""What the messaging use cases need of the table: conversations (patterns A–F of DESIGN §3),
edits and reactions, blocks, idempotency claims, and an account's records and keys (erasure).

The services name these ports, never a concrete adapter: DynamoDB (`adapters/`) in the product,
the in-memory fakes of `tests/fakes.py` in the unit tests of the services' rules. Each method's
contract is what both must keep (its errors included). DynamoDB is awaited on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cruddur.domain.attachments import Attachment
from cruddur.domain.model import (
    Block,
    Claim,
    InboxChoices,
    InboxEntry,
    Message,
    Position,
    ReadPosition,
    RowAccess,
    UserRef,
)


class Conversations(Protocol):
    """Messages, inbox rows and pairs (patterns A–F of DESIGN §3)."""

    async def query_messages(
        self,
        group_uuid: str,
        limit: int,
        after: Position | None = None,
        floor: str | None = None,
    ) -> tuple[list[Message], Position | None]:
        """Newest first, from the sort key `floor` on if given; where the next (older) page
        starts, or None at the end. InvalidCursor for a position this store did not make for
        this group."""
        ...

    async def query_inbox(
        self, owner_uuid: str, limit: int, after: Position | None = None, view: str = "inbox"
    ) -> tuple[list[InboxEntry], Position | None]:
        """Newest activity first: "inbox" leaves out the pinned and the archived rows,
        "archived" lists only those."""
        ...

    def inbox_position(self, owner_uuid: str, after: InboxEntry | None) -> Position:
        """Where an inbox page starts that follows the row `after` (None: before every row)."""
        ...

    async def first_inbox_page(
        self, owner_uuid: str, limit: int
    ) -> tuple[list[InboxEntry], list[InboxEntry], Position | None]:
        """The first page of the inbox view, read together: the owner's pinned rows (at most
        MAX_PINNED) and the newest of the others (`query_inbox`'s first page), each newest
        activity first, and where the others' next page starts."""
        ...

    async def apply_choices(
        self, owner_uuid: str, group_uuid: str, choices: InboxChoices, now: str
    ) -> InboxEntry:
        """The owner's row with the choices applied. NotFound for no row; Invalid past
        MAX_PINNED pinned rows."""
        ...

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        """The owner's row of the group: None when the owner is not a member."""
        ...

    async def get_access(self, owner_uuid: str, group_uuid: str) -> RowAccess | None:
        """Pattern E: what the owner's row says of their access (None: not a member), read
        consistently, without its sealed preview (so no key is loaded for it)."""
        ...

    async def put_message(self, message: Message) -> Message:
        """Stored once. A retried request's message (its key is taken, by the same author) is
        not written again: the answer is the message as it now stands (edited since, or a
        tombstone). Another author's message under its key is a Conflict."""
        ...

    async def find_pair(self, user_a: str, user_b: str) -> str | None: ...

    async def create_conversation(
        self, sender: UserRef, recipient: UserRef, first: Message
    ) -> None:
        """Pair, both rows and the first message, all or nothing. PairExists when another
        start won; Conflict when a concurrent transaction held an item (try again)."""
        ...

    async def mark_read(
        self, reader: str, other: str | None, group_uuid: str, now: str
    ) -> ReadPosition | None:
        """The reader's row read up to its latest message; the other member's row of a direct
        conversation told how far (`other` None: a group's, whose rows are not told)."""
        ...


class Edits(Protocol):
    async def get(self, group_uuid: str, message_uuid: str) -> Message:
        """NotFound when there is no such message."""
        ...

    async def get_many(self, group_uuid: str, message_uuids: set[str]) -> dict[str, Message]:
        """Those of the messages that exist, by uuid."""
        ...

    async def edit(
        self, group_uuid: str, message_uuid: str, author_uuid: str, text: str, edited_at: str
    ) -> Message:
        """NotFound unless the author wrote it; Conflict when it was deleted."""
        ...

    async def delete(
        self, group_uuid: str, message_uuid: str, author_uuid: str, deleted_at: str
    ) -> tuple[Attachment, ...]:
        """The files the message carried (none if it was already deleted)."""
        ...

    async def react(
        self,
        group_uuid: str,
        message_uuid: str,
        members: tuple[str, ...],
        member_uuid: str,
        emoji: str,
        present: bool,
    ) -> None:
        """Idempotent either way. NotFound for no such message; Conflict when it was deleted
        (adding); Invalid past MOST_PER_MEMBER reactions of one member."""
        ...


class BlockList(Protocol):
    async def block(self, block: Block, group_uuid: str | None) -> None: ...

    async def unblock(self, owner_uuid: str, blocked_uuid: str, group_uuid: str | None) -> None: ...

    async def blocks_of(self, owner_uuid: str) -> list[Block]: ...

    async def blockers_between(self, user_a: str, user_b: str) -> set[str]:
        """Which of the two block the other."""
        ...


class AccountRecords(Protocol):
    """An account's items besides its messages (adapters/dynamodb/stores/account_data.py)."""

    async def conversations(self, owner_uuid: str) -> list[tuple[str, str]]:
        """(group, other member) of every conversation the owner has a row of."""
        ...

    async def forget(
        self, owner_uuid: str, conversations: Sequence[tuple[str, str]], erased_at: str
    ) -> int:
        """The owner's rows, pins and blocks gone (and the others' blocks of them); their name
        on the others' rows "Deleted account"; no one can send to them. Items changed."""
        ...


class KeyShredder(Protocol):
    def erase(self, user_uuid: str) -> None:
        """Destroy the user's key (blocking): nothing sealed under it opens again."""
        ...


class Claims(Protocol):
    async def claim(self, user_uuid: str, key: str, claim: Claim, ttl_seconds: int) -> Claim:
        """Record `claim` for (user, key) unless a live record exists: the record that holds."""
        ...

    async def held_claim(self, user_uuid: str, key: str) -> Claim | None:
        """The live record for (user, key), if any; nothing is written."""
        ...
