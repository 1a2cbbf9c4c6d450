"""In-memory implementations of the services' ports (`cruddur.services.ports`), for fast unit
tests of the services' rules. They keep each port's contract, errors included; the DynamoDB and
SQL adapters have their own tests against the real thing.

Every write is recorded in `writes`, so a test can say that a refused request wrote nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from cruddur.adapters.dynamodb import positions, reads
from cruddur.domain import keys
from cruddur.domain.attachments import Attachment
from cruddur.domain.cursors import CursorCodec
from cruddur.domain.model import (
    AccessClaims,
    Block,
    Claim,
    InboxChoices,
    InboxEntry,
    Message,
    Position,
    ReadPosition,
    RowAccess,
    User,
    UserRef,
)
from cruddur.domain.profile import (
    check_new_password,
    clean_display_name,
    login_key,
    normalize_email,
    normalize_handle,
)
from cruddur.errors import Conflict, Forbidden, NotFound, PairExists, Unauthorized
from cruddur.services.context import MessagingContext
from cruddur.services.ports.messages import BlockList, Claims, Conversations, Edits
from cruddur.services.ports.people import (
    Directory,
    PasswordHasher,
    RevocationStore,
    TokenIssuing,
    TokenVerifying,
    UserStore,
)


@dataclass
class FakeConversations:
    messages: dict[str, dict[str, Message]] = field(default_factory=dict)  # group -> sk -> it
    rows: dict[tuple[str, str], InboxEntry] = field(default_factory=dict)  # (owner, group)
    pairs: dict[frozenset[str], str] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    # Starts of a conversation that lose to another one made just before (a race), then this
    # many starts that a concurrent transaction holds up (Conflict).
    lost_starts: int = 0
    held_starts: int = 0

    async def query_messages(
        self,
        group_uuid: str,
        limit: int,
        after: Position | None = None,
        floor: str | None = None,
    ) -> tuple[list[Message], Position | None]:
        newest_first = sorted(self.messages.get(group_uuid, {}).items(), reverse=True)
        if floor is not None:
            newest_first = [(sk, m) for sk, m in newest_first if sk >= floor]
        if after is not None:
            start = positions.key_of(after, keys.MESSAGE_KEY_FIELDS, keys.message_pk(group_uuid))
            newest_first = [(sk, m) for sk, m in newest_first if sk < start["sk"]]
        page = newest_first[:limit]
        more = len(newest_first) > limit
        last = {"pk": keys.message_pk(group_uuid), "sk": page[-1][0]} if more else None
        return [message for _, message in page], _position(last)

    async def query_inbox(
        self, owner_uuid: str, limit: int, after: Position | None = None, view: str = "inbox"
    ) -> tuple[list[InboxEntry], Position | None]:
        def shown(row: InboxEntry) -> bool:
            return row.archived if view == "archived" else not (row.archived or row.pinned)

        mine = sorted(
            (row for (owner, _), row in self.rows.items() if owner == owner_uuid and shown(row)),
            key=lambda row: row.last_message_sk,
            reverse=True,
        )
        if after is not None:
            start = positions.key_of(after, keys.INBOX_KEY_FIELDS, keys.inbox_pk(owner_uuid))
            mine = [row for row in mine if row.last_message_sk < start["last_message_sk"]]
        page = mine[:limit]
        more = len(mine) > limit
        return page, self.inbox_position(owner_uuid, page[-1]) if more else None

    def inbox_position(self, owner_uuid: str, after: InboxEntry | None) -> Position:
        return positions.position_of(reads.inbox_index_key(owner_uuid, after))

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        return self.rows.get((owner_uuid, group_uuid))

    async def get_access(self, owner_uuid: str, group_uuid: str) -> RowAccess | None:
        row = self.rows.get((owner_uuid, group_uuid))
        return None if row is None else RowAccess(row.kind, row.other.uuid, row.joined_sk)

    async def first_inbox_page(
        self, owner_uuid: str, limit: int
    ) -> tuple[list[InboxEntry], list[InboxEntry], Position | None]:
        mine = [row for (owner, _), row in self.rows.items() if owner == owner_uuid]
        pinned = [row for row in mine if row.pinned]
        pinned.sort(key=lambda row: row.last_message_sk, reverse=True)
        others, last = await self.query_inbox(owner_uuid, limit)
        return pinned, others, last

    async def apply_choices(
        self, owner_uuid: str, group_uuid: str, choices: InboxChoices, now: str
    ) -> InboxEntry:
        row = self.rows.get((owner_uuid, group_uuid))
        if row is None:
            raise NotFound("no such conversation")
        changed = replace(
            row,
            muted=row.muted if choices.muted is None else choices.muted,
            archived=bool(choices.archived) if choices.archived is not None or choices.pinned
            else row.archived,
            pinned=bool(choices.pinned) if choices.pinned is not None or choices.archived
            else row.pinned,
        )  # fmt: skip
        self.rows[(owner_uuid, group_uuid)] = changed
        return changed

    async def put_message(self, message: Message) -> Message:
        stored = self.messages.setdefault(message.group_uuid, {})
        if message.sort_key in stored:
            held = stored[message.sort_key]
            if held.sender.uuid != message.sender.uuid:
                raise Conflict("a different message is stored under this key")
            return held
        self.writes.append(f"message {message.message_uuid}")
        stored[message.sort_key] = _as_stored(message)
        return message

    async def find_pair(self, user_a: str, user_b: str) -> str | None:
        return self.pairs.get(frozenset((user_a, user_b)))

    async def create_conversation(
        self, sender: UserRef, recipient: UserRef, first: Message
    ) -> None:
        pair = frozenset((sender.uuid, recipient.uuid))
        if self.lost_starts:
            self.lost_starts -= 1
            # The winner's own start: another conversation, another first message.
            other = UserRef(recipient.uuid, recipient.handle, recipient.display_name)
            theirs = replace(first, group_uuid=str(uuid.uuid4()), message_uuid=str(uuid.uuid4()))
            self._start(sender, other, theirs)
            raise PairExists("the conversation already exists")
        if self.held_starts:
            self.held_starts -= 1
            raise Conflict("a concurrent transaction held an item")
        if pair in self.pairs:
            raise PairExists("the conversation already exists")
        self._start(sender, recipient, first)

    def _start(self, sender: UserRef, recipient: UserRef, first: Message) -> None:
        self.writes.append(f"conversation {first.group_uuid}")
        self.pairs[frozenset((sender.uuid, recipient.uuid))] = first.group_uuid
        self.messages.setdefault(first.group_uuid, {})[first.sort_key] = _as_stored(first)
        for owner, other in ((sender, recipient), (recipient, sender)):
            self.rows[(owner.uuid, first.group_uuid)] = InboxEntry(
                owner_uuid=owner.uuid,
                group_uuid=first.group_uuid,
                other=other,
                last_message=first.text,
                last_message_at=first.created_at,
                last_message_sk=first.sort_key,
                unread_count=0 if owner == sender else 1,
            )

    async def mark_read(
        self, reader: str, other: str | None, group_uuid: str, now: str
    ) -> ReadPosition | None:
        row = self.rows[(reader, group_uuid)]
        if row.unread_count == 0:
            return None
        self.writes.append(f"read {group_uuid}")
        self.rows[(reader, group_uuid)] = replace(row, unread_count=0)
        return ReadPosition(group_uuid, reader, row.last_message_sk, now)


def _as_stored(message: Message) -> Message:
    """What the table keeps of a reply is the uuid it answers, never a copy of the quote: a
    read finds the quote as the original reads then (services/reading.with_replies)."""
    return replace(message, reply_to=None)


@dataclass
class FakeEdits:
    conversations: FakeConversations

    async def get(self, group_uuid: str, message_uuid: str) -> Message:
        for message in self.conversations.messages.get(group_uuid, {}).values():
            if message.message_uuid == message_uuid:
                return message
        raise NotFound("no such message", field="message_uuid")

    async def get_many(self, group_uuid: str, message_uuids: set[str]) -> dict[str, Message]:
        return {
            m.message_uuid: m
            for m in self.conversations.messages.get(group_uuid, {}).values()
            if m.message_uuid in message_uuids
        }

    async def edit(
        self, group_uuid: str, message_uuid: str, author_uuid: str, text: str, edited_at: str
    ) -> Message:
        found = await self.get(group_uuid, message_uuid)
        if found.sender.uuid != author_uuid:
            raise Forbidden("only its author can change a message")
        if found.deleted:
            raise Conflict("this message was deleted", field="message_uuid")
        edited = replace(found, text=text, edited_at=edited_at, rev=found.rev + 1)
        self.conversations.writes.append(f"edit {message_uuid}")
        self.conversations.messages[group_uuid][found.sort_key] = edited
        return edited

    async def delete(
        self, group_uuid: str, message_uuid: str, author_uuid: str, deleted_at: str
    ) -> tuple[Attachment, ...]:
        found = await self.get(group_uuid, message_uuid)
        if found.sender.uuid != author_uuid:
            raise Forbidden("only its author can change a message")
        if found.deleted:
            return ()
        gone = replace(
            found,
            text="",
            deleted=True,
            edited_at=deleted_at,
            rev=found.rev + 1,
            reactions={},
            attachments=(),
        )
        self.conversations.writes.append(f"delete {message_uuid}")
        self.conversations.messages[group_uuid][found.sort_key] = gone
        return found.attachments

    async def react(
        self,
        group_uuid: str,
        message_uuid: str,
        members: tuple[str, ...],
        member_uuid: str,
        emoji: str,
        present: bool,
    ) -> None:
        found = await self.get(group_uuid, message_uuid)
        if present and found.deleted:
            raise Conflict("this message was deleted", field="message_uuid")
        mine = found.reactions.get(member_uuid, frozenset())
        mine = mine | {emoji} if present else mine - {emoji}
        reactions = {**found.reactions, member_uuid: mine}
        self.conversations.writes.append(f"react {message_uuid}")
        self.conversations.messages[group_uuid][found.sort_key] = replace(
            found, reactions={who: them for who, them in reactions.items() if them}
        )


@dataclass
class FakeBlocks:
    blocks: dict[tuple[str, str], Block] = field(default_factory=dict)  # (owner, blocked)

    async def block(self, block: Block, group_uuid: str | None) -> None:
        self.blocks[(block.owner_uuid, block.blocked.uuid)] = block

    async def unblock(self, owner_uuid: str, blocked_uuid: str, group_uuid: str | None) -> None:
        self.blocks.pop((owner_uuid, blocked_uuid), None)

    async def blocks_of(self, owner_uuid: str) -> list[Block]:
        return [b for (owner, _), b in sorted(self.blocks.items()) if owner == owner_uuid]

    async def blockers_between(self, user_a: str, user_b: str) -> set[str]:
        pairs = ((user_a, user_b), (user_b, user_a))
        return {owner for owner, blocked in pairs if (owner, blocked) in self.blocks}


@dataclass
class FakeClaims:
    held: dict[tuple[str, str], Claim] = field(default_factory=dict)

    async def claim(self, user_uuid: str, key: str, claim: Claim, ttl_seconds: int) -> Claim:
        return self.held.setdefault((user_uuid, key), claim)

    async def held_claim(self, user_uuid: str, key: str) -> Claim | None:
        return self.held.get((user_uuid, key))


@dataclass
class FakeDirectory:
    users: dict[str, User] = field(default_factory=dict)  # by handle

    def add(self, handle: str) -> UserRef:
        user = User(str(uuid.uuid4()), handle, handle.title(), f"{handle}@example.org", None, None)
        self.users[handle] = user
        return UserRef(user.uuid, user.handle, user.display_name)

    def by_handle(self, handle: str) -> User:
        found = self.users.get(handle.lower().removeprefix("@"))
        if found is None:
            raise NotFound("no such user", field="handle")
        return found


@dataclass
class FakeUsers(FakeDirectory):
    """The users directory (UserStore) in memory: the same rules (domain/profile.py), the same
    conflicts, the same answers."""

    def create(
        self,
        handle: str,
        display_name: str,
        email: str,
        *,
        password_hash: str | None = None,
        cognito_user_id: str | None = None,
    ) -> User:
        handle, email = normalize_handle(handle), normalize_email(email)
        name = clean_display_name(display_name)
        if handle in self.users:
            raise Conflict("that handle is taken", field="handle")
        if any(u.email == email for u in self.users.values()):
            raise Conflict("that email is taken", field="email")
        user = User(str(uuid.uuid4()), handle, name, email, cognito_user_id, password_hash)
        self.users[handle] = user
        return user

    def by_login(self, handle_or_email: str) -> User | None:
        key = login_key(handle_or_email)
        return next((u for u in self.users.values() if key in (u.handle, u.email)), None)

    def by_cognito_sub(self, sub: str) -> User | None:
        return next((u for u in self.users.values() if u.cognito_user_id == sub), None)

    def link_cognito(self, handle: str, sub: str) -> bool:
        user = self.users.get(normalize_handle(handle))
        if user is None:
            return False
        if user.cognito_user_id not in (None, sub):
            raise Conflict("linked to another sign-in already", field="cognito_user_id")
        self.users[user.handle] = replace(user, cognito_user_id=sub)
        return True

    def set_local_sign_in(self, user_uuid: str, password_hash: str, sub: str) -> None:
        for handle, user in self.users.items():
            if user.uuid == user_uuid:
                self.users[handle] = replace(user, password_hash=password_hash, cognito_user_id=sub)

    def delete(self, user_uuid: str) -> bool:
        for handle, user in list(self.users.items()):
            if user.uuid == user_uuid:
                del self.users[handle]
                return True
        return False


class FakePasswords:
    """A hash that is the password reversed: the rules around hashing, not hashing."""

    slots = 1

    def hash(self, password: str) -> str:
        return "fake$" + check_new_password(password)[::-1]

    def verify(self, stored_hash: str | None, password: str) -> bool:
        return stored_hash is not None and stored_hash == "fake$" + password[::-1]

    def needs_rehash(self, stored_hash: str) -> bool:
        return False


@dataclass
class FakeTokens:
    """Issues and verifies opaque tokens; what it issued it accepts until `now` passes them."""

    ttl_seconds: int = 3600
    now: float = 1_000_000.0
    issued: dict[str, AccessClaims] = field(default_factory=dict)

    def issue(self, sub: str, username: str) -> str:
        token = f"token-{uuid.uuid4().hex}"
        self.issued[token] = AccessClaims(sub, username, self.now + self.ttl_seconds)
        return token

    def verify(self, token: str) -> AccessClaims:
        claims = self.issued.get(token)
        if claims is None or claims.expires_at <= self.now:
            raise Unauthorized("invalid token")
        return claims

    def jwks(self) -> dict[str, Any]:
        return {"keys": []}


@dataclass
class FakeRevocationStore:
    revoked: dict[str, float] = field(default_factory=dict)

    def revoke(self, token_digest: str, expires_at: float) -> None:
        self.revoked[token_digest] = expires_at

    def is_revoked(self, token_digest: str) -> bool:
        return token_digest in self.revoked

    def live(self) -> Iterator[tuple[str, float]]:
        yield from self.revoked.items()


def context(conversations: FakeConversations | None = None) -> MessagingContext:
    conversations = conversations or FakeConversations()
    return MessagingContext(
        store=conversations,
        cursors=CursorCodec(b"a test secret of the cursors, 32+ bytes"),
        edits=FakeEdits(conversations),
        blocks=FakeBlocks(),
    )


# The fakes are the ports (checked by mypy here, not at the first test that trips on one).
_PORTS: tuple[type[Conversations], type[Edits], type[BlockList], type[Claims], type[Directory]] = (
    FakeConversations,
    FakeEdits,
    FakeBlocks,
    FakeClaims,
    FakeDirectory,
)
_ACCOUNT_PORTS: tuple[
    type[UserStore], type[PasswordHasher], type[TokenIssuing], type[TokenVerifying]
] = (FakeUsers, FakePasswords, FakeTokens, FakeTokens)
_REVOCATIONS: type[RevocationStore] = FakeRevocationStore


class ClearSealer:
    """Seals nothing (text in the clear), its key always ready: for rules that only move
    sealed text, such as the stream processor's."""

    def seal(self, text: str, group_uuid: str, sort_key: str, author: str | None = None) -> bytes:
        return text.encode()

    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str:
        return bytes(sealed).decode()

    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]:
        return set()

    def load_keys(self, key_ids: Iterable[bytes]) -> None:
        return None

    def sealing_ready(self, author: str | None = None) -> bool:
        return True

    def prepare_sealing(self, author: str | None = None) -> None:
        return None


def _position(key: keys.Key | None) -> Position | None:
    return None if key is None else positions.position_of(key)
