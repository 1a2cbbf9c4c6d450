"""What the use cases need from the outside, as small protocols (ports).

The services name these, never a concrete adapter: DynamoDB (`adapters/`) in the product, the
in-memory fakes of `tests/fakes.py` in the unit tests of the services' rules. Each method's
contract is what both must keep (its errors included). DynamoDB is awaited on the event loop;
the users directory (PostgreSQL, and rarely on the send path) is a blocking call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from cruddur.domain.attachments import Attachment, Reencoded, Upload
from cruddur.domain.model import (
    AccessClaims,
    Block,
    Claim,
    InboxChoices,
    InboxEntry,
    Message,
    Position,
    ReadPosition,
    User,
    UserRef,
)


class Conversations(Protocol):
    """Messages, inbox rows and pairs (patterns A–F of DESIGN §3)."""

    async def query_messages(
        self, group_uuid: str, limit: int, after: Position | None = None
    ) -> tuple[list[Message], Position | None]:
        """Newest first; where the next (older) page starts, or None at the end. InvalidCursor
        for a position this store did not make for this group."""
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

    async def pinned_rows(self, owner_uuid: str) -> list[InboxEntry]:
        """The owner's pinned rows (at most MAX_PINNED), newest activity first."""
        ...

    async def choose(
        self, owner_uuid: str, group_uuid: str, choices: InboxChoices, now: str
    ) -> InboxEntry:
        """The owner's row with the choices applied. NotFound for no row; Invalid past
        MAX_PINNED pinned rows."""
        ...

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        """The owner's row of the group: None when the owner is not a member."""
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
        self, reader: str, other: str, group_uuid: str, now: str
    ) -> ReadPosition | None: ...


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
        members: tuple[str, str],
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


class Directory(Protocol):
    def by_handle(self, handle: str) -> User:
        """NotFound when nobody has the handle."""
        ...


class RevocationStore(Protocol):
    """Signed-out tokens, durably (by digest): what survives every restart."""

    def revoke(self, token_digest: str, expires_at: float) -> None: ...

    def is_revoked(self, token_digest: str) -> bool:
        """Unavailable when it cannot be read: the caller fails closed."""
        ...

    def live(self) -> Iterator[tuple[str, float]]:
        """Every revocation not yet expired: (digest, seconds it still has to live)."""
        ...


class SharedState(Protocol):
    # True when a call never leaves this process (an event loop may make it directly); False
    # when it is a network round trip (made on a thread from the loop).
    in_process: bool

    def incr(self, key: str, ttl: float, by: int = 1) -> int:
        """Add `by` to `key` (created with `ttl` seconds to live); the new value."""
        ...

    def read(self, *keys: str) -> list[int]:
        """The values of `keys` at once (0: absent); `Unavailable` if they cannot be read,
        never a guess."""
        ...

    def window(self, key: str, previous: str, ttl: float, by: int) -> tuple[int, int]:
        """Add `by` (0: nothing) to `key` as `incr` does, and read `previous`, at once: a
        sliding window's two counts in one round trip."""
        ...

    def flag(self, key: str, ttl: float) -> bool:
        """Set `key` for `ttl` seconds; False if the state could not be reached."""
        ...

    def lease(self, key: str, holder: str, ttl: float, most: int) -> bool:
        """Hold one of `most` places under `key` for `ttl` seconds (renewed by calling again);
        False when all are held by others."""
        ...

    def release(self, key: str, holder: str) -> None: ...

    def close(self) -> None: ...


class UserStore(Directory, Protocol):
    """The users directory: profiles and how each signs in (SQL; blocking calls)."""

    def create(
        self,
        handle: str,
        display_name: str,
        email: str,
        *,
        password_hash: str | None = None,
        cognito_user_id: str | None = None,
    ) -> User:
        """A new user; Conflict naming the field when the handle or e-mail is taken."""
        ...

    def by_login(self, handle_or_email: str) -> User | None: ...

    def by_cognito_sub(self, sub: str) -> User | None: ...

    def link_cognito(self, handle: str, sub: str) -> bool:
        """Give `handle`'s user this sign-in; False when it already had it."""
        ...

    def set_local_sign_in(self, user_uuid: str, password_hash: str, sub: str) -> None: ...

    def delete(self, user_uuid: str) -> bool:
        """The user's row gone; False if it was not there."""
        ...


class PasswordHasher(Protocol):
    slots: int  # hashes that may run at once (each takes a core for a moment)

    def hash(self, password: str) -> str: ...

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """False for no stored hash too, after the same work (timing tells nothing)."""
        ...

    def needs_rehash(self, stored_hash: str) -> bool: ...


class TokenVerifying(Protocol):
    def verify(self, token: str) -> AccessClaims:
        """Unauthorized for anything but a valid access token of our issuer and client."""
        ...


class TokenIssuing(Protocol):
    ttl_seconds: int

    def issue(self, sub: str, username: str) -> str: ...

    def jwks(self) -> dict[str, Any]:
        """The public keys that verify what it issues (a JWKS document)."""
        ...


class FileStore(Protocol):
    """Objects by key (domain/attachments.py names them): the attachments bucket on AWS, a
    directory under the data dir locally. Blocking: the services call it on a thread."""

    def upload_form(self, key: str, max_bytes: int, expires_in: int) -> tuple[str, dict[str, str]]:
        """Where a browser POSTs the file (multipart: these fields, then `file`), at most
        `max_bytes`, within `expires_in` seconds: the bytes never pass through the API."""
        ...

    def read(self, key: str, max_bytes: int) -> bytes | None:
        """The object; None if there is none (or it is larger than `max_bytes`)."""
        ...

    def write(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, keys: Sequence[str]) -> None:
        """Absent ones are no error."""
        ...

    def link(self, key: str, content_type: str, download_as: str | None, expires_in: int) -> str:
        """A URL that serves the object for `expires_in` seconds: inline as `content_type`,
        or (`download_as`) only as a download of that name."""
        ...


class Uploads(Protocol):
    """Uploads begun and not attached yet (with a TTL), each attachable once."""

    async def begin(self, upload: Upload) -> None: ...

    async def get(self, attachment_id: str) -> Upload | None:
        """None if unknown or past its time (TTL deletion lags)."""
        ...

    async def attach(self, upload: Upload, message_uuid: str, now: int) -> bool:
        """Mark it attached to the message, if it is still unattached (or already attached to
        this same message: a retried send) and not expired. False otherwise."""
        ...

    async def release(self, upload: Upload, message_uuid: str) -> None:
        """Undo `attach` (the send failed after it): attachable again."""
        ...

    async def kept(self, uploader_uuid: str, attachment_ids: list[str]) -> None:
        """These are files of a message the uploader sent (what erasing them deletes)."""
        ...

    async def files_of(self, uploader_uuid: str) -> list[str]: ...

    async def forget_files(self, uploader_uuid: str) -> None: ...


class Reencoder(Protocol):
    def __call__(self, data: bytes, content_type: str) -> Reencoded:
        """The image drawn again from its pixels only (no EXIF, GPS or other metadata), and a
        thumbnail; Invalid if the bytes are not a whole image of that type."""
        ...
