"""The table's attribute names, and the small codecs every item kind shares: DynamoDB's JSON
for a string or a key, a binary as bytes, a sealed value.

One name, one constant: the item modules (`message_items`, `inbox_items`, `block_items`,
`pair_items`, `claim_items`, `data_key_items`), the stores and the queries' expressions all
spell an attribute through these.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from cruddur.errors import Unreadable

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


# A data key generation's item: the key wrapped, what wraps it (named, never the key), when.
WRAPPED_KEY = "wrapped_key"


WRAPPED_BY = "wrapped_by"


def s(value: str) -> dict[str, str]:
    return {"S": value}


def to_attrs(key: Mapping[str, str]) -> Item:
    return {name: s(value) for name, value in key.items()}


# A message's author by name ([handle, display name]), sealed under the author's key. Items
# written before it carry the names in clear (user_handle, user_display_name).
SENDER = "sender"


ERASED_NAME = "Deleted account"


ERASED_HANDLE = "deleted-account"  # no one's handle: handles have no hyphen


# On the block items a deleted account leaves (it takes no messages): the repair never rebuilds
# that account's rows.
ERASED = "erased"


def sealed(item: Mapping[str, Any], name: str) -> bytes:
    value = item[name]
    if "B" not in value:
        # Text stored in clear by a build before encryption: it is never shown unsealed.
        raise Unreadable(
            "a stored message predates encryption: start from a fresh data dir (make clean)"
        )
    return binary(value["B"])


def binary(value: bytes | str) -> bytes:
    """A B value as bytes: the stores build bytes; the wire's answers and a Lambda event's JSON
    carry base64 text."""
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    return bytes(value)


# An inbox row's other attributes: whom it is with, and what its last message was.
OTHER_USER_UUID = "other_user_uuid"


OTHER_USER_HANDLE = "other_user_handle"


OTHER_USER_DISPLAY_NAME = "other_user_display_name"


LAST_MESSAGE = "last_message"


LAST_MESSAGE_AT = "last_message_at"


LAST_SENDER_UUID = "last_sender_uuid"

# A message's members (the stream processor reads them from the message), and its author's names
# in clear on items written before names were sealed (USER_HANDLE, USER_DISPLAY_NAME).
MEMBER_UUIDS = "member_uuids"
USER_HANDLE = "user_handle"
USER_DISPLAY_NAME = "user_display_name"
# An idempotency record's fingerprint of the request it answers.
FINGERPRINT = "fingerprint"
# A block item: whom its owner (USER_UUID) blocks, by name as it was then, and when.
BLOCKED_UUID = "blocked_uuid"
BLOCKED_HANDLE = "blocked_handle"
BLOCKED_DISPLAY_NAME = "blocked_display_name"
BLOCKED_AT = "blocked_at"
# A pair item's two people.
USER_UUIDS = "user_uuids"
# Groups. A group's messages carry no MEMBER_UUIDS; a group member's reactions are a string set
# each, named by the member (`reactions_for`). An event item (a join, a leave, a rename) is a
# message item with EVENT (its kind), EVENT_TARGET (whom it concerns) and EVENT_TITLE.
EVENT = "event"
EVENT_TARGET = "event_target"
EVENT_TITLE = "event_title"
GROUP_REACTIONS_PREFIX = "rx_"
# A group member's inbox row: the group's title, its size, the first few other members' names,
# where the owner's membership starts, and the version of the membership it was written from.
KIND = "kind"
TITLE = "title"
MEMBER_COUNT = "member_count"
MEMBER_NAMES = "member_names"
JOINED_SK = "joined_sk"
MEMBERS_VERSION = "members_version"
# The membership item: a map of member uuid -> [handle, display name, role, joined_at,
# joined_sk], the order they joined in (a list of uuids), and when the group began.
MEMBERS = "members"
MEMBER_ORDER = "member_order"


def reactions_for(member_uuid: str) -> str:
    """A group member's reactions to a message: an attribute of its own, so each member's
    reaction is one ADD whatever the group's size (hex digits: no placeholder needed)."""
    return GROUP_REACTIONS_PREFIX + member_uuid.replace("-", "")
