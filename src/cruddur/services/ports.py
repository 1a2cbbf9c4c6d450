"""What the use cases need from the outside, as small protocols (ports).

The services name these, never a concrete adapter: DynamoDB (`adapters/`) in the product, the
in-memory fakes of `tests/fakes.py` in the unit tests of the services' rules. Each method's
contract is what both must keep (its errors included).
"""

from __future__ import annotations

from typing import Protocol

from cruddur.domain import keys
from cruddur.domain.model import (
    Block,
    Claim,
    InboxEntry,
    Message,
    ReadPosition,
    User,
    UserRef,
)


class Conversations(Protocol):
    """Messages, inbox rows and pairs (patterns A–F of DESIGN §3), blocking callers."""

    def query_messages(
        self, group_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[Message], keys.Key | None]:
        """Newest first; the key to start the next (older) page at, or None at the end."""
        ...

    def query_inbox(
        self, owner_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[InboxEntry], keys.Key | None]: ...

    def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        """The owner's row of the group: None when the owner is not a member."""
        ...

    def put_message(self, message: Message) -> None:
        """Stored once: the same message again is a no-op, a different one under its key a
        Conflict."""
        ...

    def find_pair(self, user_a: str, user_b: str) -> str | None: ...

    def create_conversation(self, sender: UserRef, recipient: UserRef, first: Message) -> None:
        """Pair, both rows and the first message, all or nothing. PairExists when another
        start won; Conflict when a concurrent transaction held an item (try again)."""
        ...

    def mark_read(
        self, reader: str, other: str, group_uuid: str, now: str
    ) -> ReadPosition | None: ...


class PageReads(Protocol):
    """The reads of the API's routes, awaited on the event loop."""

    async def query_messages(
        self, group_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[Message], keys.Key | None]: ...

    async def query_inbox(
        self, owner_uuid: str, limit: int, start: keys.Key | None = None
    ) -> tuple[list[InboxEntry], keys.Key | None]: ...

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None: ...


class Edits(Protocol):
    def get(self, group_uuid: str, message_uuid: str) -> Message:
        """NotFound when there is no such message."""
        ...

    def edit(
        self, group_uuid: str, message_uuid: str, author_uuid: str, text: str, edited_at: str
    ) -> Message:
        """NotFound unless the author wrote it; Conflict when it was deleted."""
        ...

    def delete(
        self, group_uuid: str, message_uuid: str, author_uuid: str, deleted_at: str
    ) -> None: ...


class BlockList(Protocol):
    def block(self, block: Block, group_uuid: str | None) -> None: ...

    def unblock(self, owner_uuid: str, blocked_uuid: str, group_uuid: str | None) -> None: ...

    def blocks_of(self, owner_uuid: str) -> list[Block]: ...

    def blockers_between(self, user_a: str, user_b: str) -> set[str]:
        """Which of the two block the other."""
        ...


class Claims(Protocol):
    def claim(self, user_uuid: str, key: str, claim: Claim, ttl_seconds: int) -> Claim:
        """Record `claim` for (user, key) unless a live record exists: the record that holds."""
        ...


class Directory(Protocol):
    def by_handle(self, handle: str) -> User:
        """NotFound when nobody has the handle."""
        ...
