"""Inbox rows <-> inbox entries: one row per member and conversation, with its last message (the
preview still sealed), the unread tokens, the read positions, a block's mark and the owner's
choices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from cruddur.adapters.dynamodb.attributes import (
    ARCHIVED_UPTO,
    GROUP_UUID,
    HIDDEN,
    JOINED_SK,
    KIND,
    LAST_MESSAGE,
    LAST_MESSAGE_AT,
    LAST_MESSAGE_REV,
    LAST_MESSAGE_SK,
    LAST_SENDER_UUID,
    MEMBER_COUNT,
    MEMBER_NAMES,
    MEMBERS_VERSION,
    MUTED,
    OTHER_READ_AT,
    OTHER_READ_SK,
    OTHER_USER_DISPLAY_NAME,
    OTHER_USER_HANDLE,
    OTHER_USER_UUID,
    OWNER_CHOICES,
    PINNED_AT,
    READ_AT,
    READ_SK,
    TITLE,
    UNREAD,
    USER_UUID,
    Item,
    binary,
    s,
    sealed,
    to_attrs,
)
from cruddur.adapters.dynamodb.text_sealer import TextSealer
from cruddur.domain import keys
from cruddur.domain.groups import row_name
from cruddur.domain.model import UNREAD_CAP, InboxEntry, LastMessage, UserRef
from cruddur.errors import Erased


def unread_token(sort_key: str) -> bytes:
    return hashlib.sha256(sort_key.encode()).digest()[:8]


def oldest_unread(sort_keys: frozenset[str], most: int) -> frozenset[str]:
    """The `most` oldest: the set keeps the first unread messages to arrive, as a rebuilt row
    does (`inbox_row`); past the cap the count shows "99+" whichever ones are kept."""
    if len(sort_keys) <= most:
        return sort_keys
    return frozenset(sorted(sort_keys)[:most])


def inbox_item(owner: UserRef, other: UserRef, first: LastMessage) -> Item:
    """A member's row as a conversation starts: its first message, unread by its recipient."""
    unread = (
        frozenset()
        if first.sender_uuid == owner.uuid or first.event
        else frozenset({first.sort_key})
    )
    return inbox_row(owner.uuid, other, first, unread)


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


# What a group member's row holds besides a direct row's (adapters/dynamodb/group_items.py).
GROUP_ROW_ATTRIBUTES = frozenset(
    {KIND, TITLE, MEMBER_COUNT, MEMBER_NAMES, JOINED_SK, MEMBERS_VERSION}
)


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
        *GROUP_ROW_ATTRIBUTES,
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
        other=_other(item),
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
        **_group_fields(item),
    )


def _other(item: Mapping[str, Any]) -> UserRef:
    """Whom a row is with: the other member of a direct conversation; for a group, no one
    person, and the group's name (its title, or its members': "Ada, Bruno and 3 others")."""
    if KIND in item:
        fields = _group_fields(item)
        name = row_name(fields["title"], fields["member_names"], fields["member_count"])
        return UserRef("", "", name)
    return UserRef(
        item[OTHER_USER_UUID]["S"], item[OTHER_USER_HANDLE]["S"], item[OTHER_USER_DISPLAY_NAME]["S"]
    )


def _group_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    if KIND not in item:
        return {}
    return {
        "kind": item[KIND]["S"],
        "title": item.get(TITLE, {}).get("S"),
        "member_count": int(item[MEMBER_COUNT]["N"]),
        "member_names": tuple(str(v["S"]) for v in item.get(MEMBER_NAMES, {}).get("L", [])),
        "joined_sk": item.get(JOINED_SK, {}).get("S"),
    }


def is_archived(row: Mapping[str, Any]) -> bool:
    """Archived, and no message since (or muted). The filters of the inbox's two views say the
    same in DynamoDB's words (reads.inbox_query)."""
    upto = row.get(ARCHIVED_UPTO, {}).get("S")
    if upto is None:
        return False
    return MUTED in row or upto >= row[LAST_MESSAGE_AT]["S"]
