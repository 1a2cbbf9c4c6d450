"""Item <-> domain conversions for the table's three item kinds (see domain/keys.py)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from cruddur.domain import keys
from cruddur.domain.attachments import Attachment, file_preview
from cruddur.domain.model import (
    UNREAD_CAP,
    Block,
    Claim,
    InboxEntry,
    LastMessage,
    Message,
    MessageIdentity,
    UserRef,
)
from cruddur.domain.text import preview
from cruddur.errors import Erased, Unreadable

Item = dict[str, Any]
# A message item's attributes (besides its key): its text sealed, who wrote it, when.
TEXT = "message"
MESSAGE_UUID = "message_uuid"
GROUP_UUID = "message_group_uuid"
CREATED_AT = "created_at"
USER_UUID = "user_uuid"  # a message's author; the owner of an inbox row or a block
# An inbox row's position: its last message (and that message's revision), and how far its
# owner has read.
LAST_MESSAGE_SK = "last_message_sk"
LAST_MESSAGE_REV = "last_message_rev"
READ_SK = "read_sk"
READ_AT = "read_at"
# Unread messages of an inbox row: a binary set of 8-byte tokens, one per message. A token is
# an eighth of a sort key's size, so a row stays under 1 KB (one write unit) with ~50 unread.
UNREAD = "unread"
# Set on a message item only when its text is longer than a preview (sealed like the text):
# inbox rows carry the preview, as a long body would make every inbox write cost more WCU.
PREVIEW = "preview"
# Set on a reply only: the uuid of the message it answers (in the same conversation).
REPLY_TO = "reply_to"
# Set on a message with photos or files: what they are (names included), as JSON sealed like the
# text (a name says as much as a text); the bytes are in the file store, never in the table.
ATTACHMENTS = "attachments"
# Set only once a message is edited or deleted: a message as sent carries none of them, so a
# send writes no more than before.
REV = "rev"
EDITED_AT = "edited_at"
DELETED = "deleted"
# A message's reactions: a string set of emoji per member, named by the member's place among
# the two (in uuid order), so a deletion can remove both without reading them. A reaction also
# sets REACTED_REV to the message's revision: the stream skips a change that only reacted.
REACTIONS = ("reactions_0", "reactions_1")
REACTED_REV = "reacted_rev"
# Inbox rows: the other member's read position, and the owner's block of the other member.
OTHER_READ_SK = "other_read_sk"
OTHER_READ_AT = "other_read_at"
HIDDEN = "blocked_hidden"
# The owner's choices on their row (PATCH /api/message_groups/{group}). Archiving copies the
# row's last_message_at here: a newer message moves past it and the row is back in the inbox,
# with no change to the stream processor (unless muted: a muted row stays archived). Not the
# sort key: a query's filter cannot name the index's key.
MUTED = "muted"
ARCHIVED_UPTO = "archived_upto"
PINNED_AT = "pinned_at"
OWNER_CHOICES = (MUTED, ARCHIVED_UPTO, PINNED_AT)
# The pins item: a string set of group uuids.
PINNED_GROUPS = "groups"


def claim_item(key: Mapping[str, str], claim: Claim, expires_at: int) -> Item:
    """An idempotency record: the request's fingerprint and the message it names."""
    return {
        **to_attrs(key),
        "fingerprint": s(claim.fingerprint),
        MESSAGE_UUID: s(claim.identity.message_uuid),
        CREATED_AT: s(claim.identity.created_at),
        GROUP_UUID: s(claim.identity.group_uuid),
        keys.EXPIRES_AT: {"N": str(expires_at)},
    }


def claim_from_item(item: Mapping[str, Any]) -> Claim:
    return Claim(
        fingerprint=item["fingerprint"]["S"],
        identity=MessageIdentity(
            message_uuid=item[MESSAGE_UUID]["S"],
            created_at=item[CREATED_AT]["S"],
            group_uuid=item[GROUP_UUID]["S"],
        ),
    )


# A data key generation's item: the key wrapped, what wraps it (named, never the key), when.
WRAPPED_KEY = "wrapped_key"
WRAPPED_BY = "wrapped_by"


def data_key_item(key: Mapping[str, str], wrapped: bytes, wrapped_by: str, created_at: str) -> Item:
    return {
        **to_attrs(key),
        WRAPPED_KEY: {"B": wrapped},
        WRAPPED_BY: s(wrapped_by),
        CREATED_AT: s(created_at),
    }


def unread_token(sort_key: str) -> bytes:
    return hashlib.sha256(sort_key.encode()).digest()[:8]


def s(value: str) -> dict[str, str]:
    return {"S": value}


def to_attrs(key: Mapping[str, str]) -> Item:
    return {name: s(value) for name, value in key.items()}


def from_attrs(key: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value["S"]) for name, value in key.items()}


class TextSealer(Protocol):
    """Encrypts what people write before it is stored (adapters/crypto/sealing.py): bound to the
    conversation and the message's sort key."""

    def seal(
        self, text: str, group_uuid: str, sort_key: str, author: str | None = None
    ) -> bytes: ...
    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str: ...

    # Keys this process has not unwrapped yet, so an event loop can load them on a thread.
    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]: ...
    def load_keys(self, key_ids: Iterable[bytes]) -> None: ...

    # Whether the keys new text is sealed under (the author's too) are at hand; if not, prepare
    # them (blocking reads).
    def sealing_ready(self, author: str | None = None) -> bool: ...
    def prepare_sealing(self, author: str | None = None) -> None: ...


def message_item(message: Message, sealer: TextSealer) -> Item:
    group, sort_key, author = message.group_uuid, message.sort_key, message.sender.uuid
    names = json.dumps([message.sender.handle, message.sender.display_name])
    item = {
        **to_attrs(keys.message_key(group, message.created_at, message.message_uuid)),
        "message_group_uuid": s(group),
        MESSAGE_UUID: s(message.message_uuid),
        TEXT: {"B": sealer.seal(message.text, group, sort_key, author)},
        "created_at": s(message.created_at),
        USER_UUID: s(author),
        # Who wrote it, sealed under their key: erasing them leaves no name on their messages.
        SENDER: {"B": sealer.seal(names, group, _sender_context(sort_key), author)},
        # Membership of a DM never changes: the stream processor reads it from here.
        "member_uuids": {"L": [s(uuid) for uuid in message.member_uuids]},
    }
    if message.reply_to_uuid is not None:
        item[REPLY_TO] = s(message.reply_to_uuid)
    if message.expires_at is not None:  # the table's TTL deletes it; reads skip it before
        item[keys.EXPIRES_AT] = {"N": str(message.expires_at)}
    if message.attachments:
        item[ATTACHMENTS] = {
            "B": seal_attachments(message.attachments, sealer, group, sort_key, author)
        }
    short = preview(message.text) if message.text else file_preview(message.attachments)
    if short != message.text:  # else the inbox rows show the message itself: one value, not two
        item[PREVIEW] = {"B": sealer.seal(short, group, sort_key, author)}
    return item


# A message's author by name ([handle, display name]), sealed under the author's key. Items
# written before it carry the names in clear (user_handle, user_display_name).
SENDER = "sender"
ERASED_NAME = "Deleted account"
ERASED_HANDLE = "deleted-account"  # no one's handle: handles have no hyphen
# On the block items a deleted account leaves (it takes no messages): the repair never rebuilds
# that account's rows.
ERASED = "erased"


def _sender_context(sort_key: str) -> str:
    return f"{sort_key}#sender"


def sender_of(item: Mapping[str, Any], sealer: TextSealer) -> tuple[UserRef, bool]:
    """Who wrote a message item, and whether their account was erased (then no name)."""
    author = str(item[USER_UUID]["S"])
    if SENDER not in item:
        return UserRef(author, item["user_handle"]["S"], item["user_display_name"]["S"]), False
    sort_key = keys.message_sk(item["created_at"]["S"], item[MESSAGE_UUID]["S"])
    try:
        opened = sealer.open(sealed(item, SENDER), item[GROUP_UUID]["S"], _sender_context(sort_key))
    except Erased:
        return UserRef(author, ERASED_HANDLE, ERASED_NAME), True
    try:
        handle, display_name = json.loads(opened)
    except ValueError:  # a view that opens nothing (the CLI without --decrypt): still sealed
        return UserRef(author, "sealed", "sealed"), False
    return UserRef(author, str(handle), str(display_name)), False


def message_from_item(item: Mapping[str, Any], sealer: TextSealer) -> Message:
    """A message as it reads now; a message whose author was erased reads as deleted, with no
    text, no files and no name."""
    members = _members(item)
    group, created_at, message_uuid = (
        item[name]["S"] for name in ("message_group_uuid", "created_at", MESSAGE_UUID)
    )
    sender, erased = sender_of(item, sealer)
    deleted = erased or is_deleted(item)
    sort_key = keys.message_sk(created_at, message_uuid)
    return Message(
        group_uuid=group,
        message_uuid=message_uuid,
        text="" if deleted else sealer.open(sealed(item, TEXT), group, sort_key),
        created_at=created_at,
        sender=sender,
        member_uuids=members,
        edited_at=item.get(EDITED_AT, {}).get("S"),
        deleted=deleted,
        rev=revision(item),
        reactions={
            member: frozenset(item[name]["SS"])
            for member, name in zip(sorted(members), REACTIONS, strict=True)
            if name in item
        },
        reply_to_uuid=item.get(REPLY_TO, {}).get("S"),
        attachments=() if deleted else attachments_of(item, sealer),
        expires_at=int(item[keys.EXPIRES_AT]["N"]) if keys.EXPIRES_AT in item else None,
    )


def _files_context(sort_key: str) -> str:
    # Its own binding: a sealed list of files never opens as a message's text, nor the reverse.
    return f"{sort_key}#files"


def seal_attachments(
    attachments: tuple[Attachment, ...],
    sealer: TextSealer,
    group: str,
    sort_key: str,
    author: str | None,
) -> bytes:
    listed = [
        [a.attachment_id, a.name, a.content_type, a.size, a.width, a.height] for a in attachments
    ]
    text = json.dumps(listed, separators=(",", ":"))
    return sealer.seal(text, group, _files_context(sort_key), author)


def attachments_of(item: Mapping[str, Any], sealer: TextSealer) -> tuple[Attachment, ...]:
    """A message item's files (none if it has none)."""
    if ATTACHMENTS not in item:
        return ()
    sort_key = keys.message_sk(item["created_at"]["S"], item[MESSAGE_UUID]["S"])
    opened = sealer.open(sealed(item, ATTACHMENTS), item[GROUP_UUID]["S"], _files_context(sort_key))
    return tuple(
        Attachment(str(i), str(name), str(kind), int(size), width, height)
        for i, name, kind, size, width, height in json.loads(opened)
    )


def reactions_attribute(members: tuple[str, str], member: str) -> str:
    """The attribute holding `member`'s reactions to a message of these two members."""
    return REACTIONS[sorted(members).index(member)]


def only_reacted(item: Mapping[str, Any]) -> bool:
    """The item's last change was a reaction: its text and revision are as before."""
    reacted = item.get(REACTED_REV, {}).get("N")
    return reacted is not None and int(reacted) == revision(item)


def is_deleted(item: Mapping[str, Any]) -> bool:
    return bool(item.get(DELETED, {}).get("BOOL", False))


def revision(item: Mapping[str, Any]) -> int:
    return int(item.get(REV, {}).get("N", "0"))


def last_message_of(item: Mapping[str, Any]) -> LastMessage:
    """What the inbox rows show of a message item (as stored, or in a stream record): nothing
    is opened, so the stream processor needs no key."""
    deleted = is_deleted(item)
    return LastMessage(
        group_uuid=str(item["message_group_uuid"]["S"]),
        message_uuid=str(item[MESSAGE_UUID]["S"]),
        created_at=str(item["created_at"]["S"]),
        sender_uuid=str(item[USER_UUID]["S"]),
        member_uuids=_members(item),
        sealed_preview=b"" if deleted else binary(item.get(PREVIEW, item[TEXT])["B"]),
        rev=revision(item),
        deleted=deleted,
    )


def sealed(item: Mapping[str, Any], name: str) -> bytes:
    value = item[name]
    if "B" not in value:
        # Text stored in clear by a build before encryption: it is never shown unsealed.
        raise Unreadable(
            "a stored message predates encryption: start from a fresh data dir (make clean)"
        )
    return binary(value["B"])


def binary(value: bytes | str) -> bytes:
    """A B value: bytes from boto3, base64 text in a Lambda event's JSON."""
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    return bytes(value)


def _members(item: Mapping[str, Any]) -> tuple[str, str]:
    members = [str(value["S"]) for value in item["member_uuids"]["L"]]
    if len(members) != 2:
        raise ValueError("a message names exactly two members")
    return members[0], members[1]


def inbox_item(owner: UserRef, other: UserRef, first: LastMessage) -> Item:
    """A member's row as a conversation starts: its first message, unread by its recipient."""
    unread = frozenset() if first.sender_uuid == owner.uuid else frozenset({first.sort_key})
    return inbox_row(owner.uuid, other, first, unread)


# An inbox row's other attributes: whom it is with, and what its last message was.
OTHER_USER_UUID = "other_user_uuid"
OTHER_USER_HANDLE = "other_user_handle"
OTHER_USER_DISPLAY_NAME = "other_user_display_name"
LAST_MESSAGE = "last_message"
LAST_MESSAGE_AT = "last_message_at"
LAST_SENDER_UUID = "last_sender_uuid"


def inbox_row(
    owner_uuid: str,
    other: UserRef,
    latest: LastMessage,
    unread_sks: frozenset[str] = frozenset(),
    *,
    read: tuple[str, str] | None = None,
    other_read: tuple[str, str] | None = None,
    hidden: bool = False,
    choices: Mapping[str, Any] | None = None,
) -> Item:
    """A whole inbox row, built from what it derives from: the conversation's newest message,
    the unread ones (the oldest UNREAD_CAP of them), the read positions (sort key, time) of its
    owner and of the other member, the owner's block, and the owner's choices (OWNER_CHOICES,
    as stored). `cruddur ddb repair-inboxes` writes rows built here; the stream processor's
    updates arrive at the same attributes."""
    item = {
        **to_attrs(keys.inbox_key(owner_uuid, latest.group_uuid)),
        GROUP_UUID: s(latest.group_uuid),
        USER_UUID: s(owner_uuid),
        OTHER_USER_UUID: s(other.uuid),
        OTHER_USER_HANDLE: s(other.handle),
        OTHER_USER_DISPLAY_NAME: s(other.display_name),
        **last_message_attrs(latest),
    }
    if unread_sks:
        kept = sorted(unread_sks)[:UNREAD_CAP]
        item[UNREAD] = {"BS": sorted(unread_token(sk) for sk in kept)}
    if read is not None:
        item[READ_SK], item[READ_AT] = s(read[0]), s(read[1])
    if other_read is not None:
        item[OTHER_READ_SK], item[OTHER_READ_AT] = s(other_read[0]), s(other_read[1])
    if hidden:
        item[HIDDEN] = {"BOOL": True}
    for name in OWNER_CHOICES:
        if choices and name in choices:
            item[name] = choices[name]
    return item


# Every attribute an inbox row holds; its bounded form keeps these and nothing else.
INBOX_ROW_ATTRIBUTES = frozenset(
    {
        keys.PK,
        keys.SK,
        GROUP_UUID,
        USER_UUID,
        OTHER_USER_UUID,
        OTHER_USER_HANDLE,
        OTHER_USER_DISPLAY_NAME,
        LAST_MESSAGE,
        LAST_MESSAGE_AT,
        LAST_MESSAGE_SK,
        LAST_SENDER_UUID,
        LAST_MESSAGE_REV,
        UNREAD,
        READ_SK,
        READ_AT,
        OTHER_READ_SK,
        OTHER_READ_AT,
        HIDDEN,
        *OWNER_CHOICES,
    }
)


def bounded_inbox_item(row: Mapping[str, Any]) -> Item:
    """The row with only a row's attributes and at most UNREAD_CAP unread tokens: what a row
    that grew to DynamoDB's item size limit (an older build's unbounded unread set, a stray
    attribute) is rewritten as, so that it can be updated again. Its count still shows "99+"."""
    kept = {name: value for name, value in row.items() if name in INBOX_ROW_ATTRIBUTES}
    tokens = kept.get(UNREAD, {}).get("BS")
    if tokens is not None and len(tokens) > UNREAD_CAP:
        kept[UNREAD] = {"BS": sorted(binary(token) for token in tokens)[:UNREAD_CAP]}
    return kept


def last_message_attrs(message: LastMessage) -> Item:
    # A deleted last message leaves an empty preview: the row says "deleted", shows no text.
    return {
        LAST_MESSAGE: {"B": message.sealed_preview},
        LAST_MESSAGE_AT: s(message.created_at),
        LAST_MESSAGE_SK: s(message.sort_key),
        LAST_SENDER_UUID: s(message.sender_uuid),
        LAST_MESSAGE_REV: {"N": str(message.rev)},
    }


def inbox_from_item(item: Mapping[str, Any], sealer: TextSealer) -> InboxEntry:
    group, last_sk = item[GROUP_UUID]["S"], item[LAST_MESSAGE_SK]["S"]
    preview_sealed = sealed(item, LAST_MESSAGE)
    try:
        shown = sealer.open(preview_sealed, group, last_sk) if preview_sealed else ""
    except Erased:  # its author's account was deleted: it reads as deleted
        shown, preview_sealed = "", b""
    return InboxEntry(
        owner_uuid=item[USER_UUID]["S"],
        group_uuid=group,
        other=UserRef(
            item[OTHER_USER_UUID]["S"],
            item[OTHER_USER_HANDLE]["S"],
            item[OTHER_USER_DISPLAY_NAME]["S"],
        ),
        last_message=shown,
        last_message_at=item[LAST_MESSAGE_AT]["S"],
        last_message_sk=last_sk,
        unread_count=min(UNREAD_CAP, len(item.get(UNREAD, {}).get("BS", []))),
        last_message_deleted=not preview_sealed,
        other_read_sk=item.get(OTHER_READ_SK, {}).get("S"),
        other_read_at=item.get(OTHER_READ_AT, {}).get("S"),
        muted=MUTED in item,
        archived=is_archived(item),
        pinned=PINNED_AT in item,
        read_sk=item.get(READ_SK, {}).get("S"),
        read_at=item.get(READ_AT, {}).get("S"),
    )


def is_archived(row: Mapping[str, Any]) -> bool:
    """Archived, and no message since (or muted). The filters of the inbox's two views say the
    same in DynamoDB's words (requests.inbox_query)."""
    upto = row.get(ARCHIVED_UPTO, {}).get("S")
    if upto is None:
        return False
    return MUTED in row or upto >= row[LAST_MESSAGE_AT]["S"]


def block_item(block: Block) -> Item:
    return {
        **to_attrs(keys.block_key(block.owner_uuid, block.blocked.uuid)),
        "user_uuid": s(block.owner_uuid),
        "blocked_uuid": s(block.blocked.uuid),
        "blocked_handle": s(block.blocked.handle),
        "blocked_display_name": s(block.blocked.display_name),
        "blocked_at": s(block.blocked_at),
    }


def block_from_item(item: Mapping[str, Any]) -> Block:
    return Block(
        owner_uuid=item["user_uuid"]["S"],
        blocked=UserRef(
            item["blocked_uuid"]["S"],
            item["blocked_handle"]["S"],
            item["blocked_display_name"]["S"],
        ),
        blocked_at=item["blocked_at"]["S"],
    )


def opened_fields(item: Mapping[str, Any], sealer: TextSealer) -> dict[str, str]:
    """Every sealed value of an item (a message's text and preview, an inbox row's preview),
    opened: for an operator with the key (`cruddur ddb scan --decrypt`)."""
    group = item.get("message_group_uuid", {}).get("S")
    if group is None:
        return {}
    names: tuple[str, ...] = (TEXT, PREVIEW)
    if keys.is_message_pk(item["pk"]["S"]):
        sort_key = item["sk"]["S"]
    else:
        sort_key, names = item.get("last_message_sk", {}).get("S", ""), ("last_message",)
    wanted = {name: sort_key for name in names if item.get(name, {}).get("B")}
    if keys.is_message_pk(item["pk"]["S"]):
        for name, context in ((ATTACHMENTS, _files_context), (SENDER, _sender_context)):
            if name in item:
                wanted[name] = context(sort_key)
    opened = {}
    for name, context in wanted.items():
        try:
            opened[name] = sealer.open(binary(item[name]["B"]), group, context)
        except Erased:
            opened[name] = "unreadable: its author's account was deleted"
    return opened


def pair_item(a: UserRef, b: UserRef, group_uuid: str) -> Item:
    return {
        **to_attrs(keys.pair_key(a.uuid, b.uuid)),
        "message_group_uuid": s(group_uuid),
        "user_uuids": {"L": [s(a.uuid), s(b.uuid)]},
    }
