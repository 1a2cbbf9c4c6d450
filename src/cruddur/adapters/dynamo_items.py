"""Item <-> domain conversions for the table's three item kinds (see domain/keys.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from cruddur.domain import keys
from cruddur.domain.model import UNREAD_CAP, InboxEntry, Message, UserRef

Item = dict[str, Any]
PREVIEW_CHARS = 120
# Unread messages of an inbox row: a binary set of 8-byte tokens, one per message. A token is
# an eighth of a sort key's size, so a row stays under 1 KB (one write unit) with ~50 unread.
UNREAD = "unread"


def unread_token(sort_key: str) -> bytes:
    return hashlib.sha256(sort_key.encode()).digest()[:8]


def s(value: str) -> dict[str, str]:
    return {"S": value}


def to_attrs(key: Mapping[str, str]) -> Item:
    return {name: s(value) for name, value in key.items()}


def from_attrs(key: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value["S"]) for name, value in key.items()}


def preview(text: str) -> str:
    # Inbox rows carry a short preview: a long body would make every inbox write cost more WCU.
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def message_item(message: Message) -> Item:
    return {
        **to_attrs(keys.message_key(message.group_uuid, message.created_at, message.message_uuid)),
        "message_group_uuid": s(message.group_uuid),
        "message_uuid": s(message.message_uuid),
        "message": s(message.text),
        "created_at": s(message.created_at),
        "user_uuid": s(message.sender.uuid),
        "user_handle": s(message.sender.handle),
        "user_display_name": s(message.sender.display_name),
        # Membership of a DM never changes: the stream processor reads it from here.
        "member_uuids": {"L": [s(uuid) for uuid in message.member_uuids]},
    }


def message_from_plain(item: Mapping[str, Any]) -> Message:
    """From a deserialized item (plain Python values), as stream records carry it."""
    members = [str(uuid) for uuid in item["member_uuids"]]
    if len(members) != 2:
        raise ValueError("a message names exactly two members")
    return Message(
        group_uuid=str(item["message_group_uuid"]),
        message_uuid=str(item["message_uuid"]),
        text=str(item["message"]),
        created_at=str(item["created_at"]),
        sender=UserRef(
            str(item["user_uuid"]), str(item["user_handle"]), str(item["user_display_name"])
        ),
        member_uuids=(members[0], members[1]),
    )


def message_from_item(item: Mapping[str, Any]) -> Message:
    plain = {name: value["S"] for name, value in item.items() if "S" in value}
    plain["member_uuids"] = [v["S"] for v in item["member_uuids"]["L"]]
    return message_from_plain(plain)


def inbox_item(owner: UserRef, other: UserRef, group_uuid: str, first: Message) -> Item:
    item = {
        **to_attrs(keys.inbox_key(owner.uuid, group_uuid)),
        "message_group_uuid": s(group_uuid),
        "user_uuid": s(owner.uuid),
        "other_user_uuid": s(other.uuid),
        "other_user_handle": s(other.handle),
        "other_user_display_name": s(other.display_name),
        **last_message_attrs(first),
    }
    if first.sender.uuid != owner.uuid:
        item[UNREAD] = {"BS": [unread_token(first.sort_key)]}
    return item


def last_message_attrs(message: Message) -> Item:
    return {
        "last_message": s(preview(message.text)),
        "last_message_at": s(message.created_at),
        "last_message_sk": s(message.sort_key),
        "last_sender_uuid": s(message.sender.uuid),
    }


def inbox_from_item(item: Mapping[str, Any]) -> InboxEntry:
    return InboxEntry(
        owner_uuid=item["user_uuid"]["S"],
        group_uuid=item["message_group_uuid"]["S"],
        other=UserRef(
            item["other_user_uuid"]["S"],
            item["other_user_handle"]["S"],
            item["other_user_display_name"]["S"],
        ),
        last_message=item["last_message"]["S"],
        last_message_at=item["last_message_at"]["S"],
        last_message_sk=item["last_message_sk"]["S"],
        unread_count=min(UNREAD_CAP, len(item.get(UNREAD, {}).get("BS", []))),
    )


def pair_item(a: UserRef, b: UserRef, group_uuid: str) -> Item:
    return {
        **to_attrs(keys.pair_key(a.uuid, b.uuid)),
        "message_group_uuid": s(group_uuid),
        "user_uuids": {"L": [s(a.uuid), s(b.uuid)]},
    }
