"""Message items <-> messages: the text, the author's names and the list of files sealed on the
way in (under the author's key, bound to the conversation and the message) and opened on the way
out; and what the inbox rows show of a message (`last_message_of`), read without a key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cruddur.adapters.dynamodb.attributes import (
    ATTACHMENTS,
    CREATED_AT,
    DELETED,
    EDITED_AT,
    ERASED_HANDLE,
    ERASED_NAME,
    EVENT,
    EVENT_TARGET,
    EVENT_TITLE,
    GROUP_REACTIONS_PREFIX,
    GROUP_UUID,
    LAST_MESSAGE,
    LAST_MESSAGE_SK,
    MEMBER_UUIDS,
    MESSAGE_UUID,
    PREVIEW,
    REACTED_REV,
    REACTIONS,
    REPLY_TO,
    REV,
    SENDER,
    TEXT,
    USER_DISPLAY_NAME,
    USER_HANDLE,
    USER_UUID,
    Item,
    binary,
    reactions_for,
    s,
    sealed,
    to_attrs,
)
from cruddur.adapters.dynamodb.text_sealer import TextSealer
from cruddur.domain import keys
from cruddur.domain.attachments import Attachment, file_preview
from cruddur.domain.model import GroupEvent, LastMessage, Message, UserRef
from cruddur.domain.text import preview
from cruddur.errors import Erased


def sealing_author(message: Message) -> str | None:
    """Whose key seals a message: its author's; the table's for the event an erased account
    leaves behind (its own key is gone)."""
    return (
        None
        if message.event is not None and message.event.kind == "erased"
        else (message.sender.uuid)
    )


def message_item(message: Message, sealer: TextSealer) -> Item:
    group, sort_key, author = message.group_uuid, message.sort_key, message.sender.uuid
    sealing = sealing_author(message)
    names = json.dumps([message.sender.handle, message.sender.display_name])
    item = {
        **to_attrs(keys.message_key(group, message.created_at, message.message_uuid)),
        GROUP_UUID: s(group),
        MESSAGE_UUID: s(message.message_uuid),
        TEXT: {"B": sealer.seal(message.text, group, sort_key, sealing)},
        CREATED_AT: s(message.created_at),
        USER_UUID: s(author),
        # Who wrote it, sealed under their key: erasing them leaves no name on their messages.
        SENDER: {"B": sealer.seal(names, group, _sender_context(sort_key), sealing)},
    }
    if message.member_uuids:
        # Membership of a DM never changes: the stream processor reads it from here. A group's
        # message names none, so it stays the same size whatever the group's.
        item[MEMBER_UUIDS] = {"L": [s(uuid) for uuid in message.member_uuids]}
    if message.event is not None:
        item[EVENT] = s(message.event.kind)
        if message.event.target_uuid is not None:
            item[EVENT_TARGET] = s(message.event.target_uuid)
        if message.event.title is not None:
            item[EVENT_TITLE] = s(message.event.title)
    if message.reply_to_uuid is not None:
        item[REPLY_TO] = s(message.reply_to_uuid)
    if message.expires_at is not None:  # the table's TTL deletes it; reads skip it before
        item[keys.EXPIRES_AT] = {"N": str(message.expires_at)}
    if message.attachments:
        item[ATTACHMENTS] = {
            "B": seal_attachments(message.attachments, sealer, group, sort_key, sealing)
        }
    short = preview(message.text) if message.text else file_preview(message.attachments)
    if short != message.text:  # else the inbox rows show the message itself: one value, not two
        item[PREVIEW] = {"B": sealer.seal(short, group, sort_key, sealing)}
    return item


def _sender_context(sort_key: str) -> str:
    return f"{sort_key}#sender"


def sender_of(item: Mapping[str, Any], sealer: TextSealer) -> tuple[UserRef, bool]:
    """Who wrote a message item, and whether their account was erased (then no name)."""
    author = str(item[USER_UUID]["S"])
    if SENDER not in item:
        return UserRef(author, item[USER_HANDLE]["S"], item[USER_DISPLAY_NAME]["S"]), False
    sort_key = keys.message_sk(item[CREATED_AT]["S"], item[MESSAGE_UUID]["S"])
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
        item[name]["S"] for name in (GROUP_UUID, CREATED_AT, MESSAGE_UUID)
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
        reactions={} if deleted else reactions_of(item, members),
        reply_to_uuid=item.get(REPLY_TO, {}).get("S"),
        attachments=() if deleted else attachments_of(item, sealer),
        expires_at=int(item[keys.EXPIRES_AT]["N"]) if keys.EXPIRES_AT in item else None,
        event=event_of(item),
    )


def reactions_of(item: Mapping[str, Any], members: tuple[str, ...]) -> dict[str, frozenset[str]]:
    if members:  # a direct conversation's: one attribute per member's place
        return {
            member: frozenset(item[name]["SS"])
            for member, name in zip(sorted(members), REACTIONS, strict=True)
            if name in item
        }
    # A group's: the attribute names the member (hex digits, put back in uuid form).
    found = {}
    for name, value in item.items():
        if name.startswith(GROUP_REACTIONS_PREFIX) and value.get("SS"):
            h = name.removeprefix(GROUP_REACTIONS_PREFIX)
            member = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
            found[member] = frozenset(value["SS"])
    return found


def event_of(item: Mapping[str, Any]) -> GroupEvent | None:
    if EVENT not in item:
        return None
    return GroupEvent(
        kind=str(item[EVENT]["S"]),
        target_uuid=item.get(EVENT_TARGET, {}).get("S"),
        title=item.get(EVENT_TITLE, {}).get("S"),
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
    sort_key = keys.message_sk(item[CREATED_AT]["S"], item[MESSAGE_UUID]["S"])
    opened = sealer.open(sealed(item, ATTACHMENTS), item[GROUP_UUID]["S"], _files_context(sort_key))
    return tuple(
        Attachment(str(i), str(name), str(kind), int(size), width, height)
        for i, name, kind, size, width, height in json.loads(opened)
    )


def reactions_attribute(members: tuple[str, ...], member: str) -> str:
    """The attribute holding `member`'s reactions to a message of these two members (or of a
    group: `members` is empty)."""
    if not members:
        return reactions_for(member)
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
        group_uuid=str(item[GROUP_UUID]["S"]),
        message_uuid=str(item[MESSAGE_UUID]["S"]),
        created_at=str(item[CREATED_AT]["S"]),
        sender_uuid=str(item[USER_UUID]["S"]),
        member_uuids=_members(item),
        sealed_preview=b"" if deleted else binary(item.get(PREVIEW, item[TEXT])["B"]),
        rev=revision(item),
        deleted=deleted,
        event=EVENT in item,
    )


def _members(item: Mapping[str, Any]) -> tuple[str, ...]:
    """A direct conversation's two members; () for a group's message (it names none)."""
    if MEMBER_UUIDS not in item:
        return ()
    members = [str(value["S"]) for value in item[MEMBER_UUIDS]["L"]]
    if len(members) != 2:
        raise ValueError("a message names exactly two members")
    return members[0], members[1]


def opened_fields(item: Mapping[str, Any], sealer: TextSealer) -> dict[str, str]:
    """Every sealed value of an item (a message's text and preview, an inbox row's preview),
    opened: for an operator with the key (`cruddur ddb scan --decrypt`)."""
    group = item.get(GROUP_UUID, {}).get("S")
    if group is None:
        return {}
    names: tuple[str, ...] = (TEXT, PREVIEW)
    if keys.is_message_pk(item[keys.PK]["S"]):
        sort_key = item[keys.SK]["S"]
    else:
        sort_key, names = item.get(LAST_MESSAGE_SK, {}).get("S", ""), (LAST_MESSAGE,)
    wanted = {name: sort_key for name in names if item.get(name, {}).get("B")}
    if keys.is_message_pk(item[keys.PK]["S"]):
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
