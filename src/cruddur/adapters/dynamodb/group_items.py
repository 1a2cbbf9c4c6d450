"""A group's items: its membership item <-> Group, and each member's inbox row of it.

The membership item holds every member (handle, name, role, when they joined) and a version;
each member's row holds what their inbox shows of the group (its title, its size, the first few
other members' names) and, like a direct conversation's row, answers pattern E by itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cruddur.adapters.dynamodb.attributes import (
    CREATED_AT,
    GROUP_UUID,
    JOINED_SK,
    KIND,
    MEMBER_COUNT,
    MEMBER_NAMES,
    MEMBERS,
    MEMBERS_VERSION,
    OTHER_USER_DISPLAY_NAME,
    OTHER_USER_HANDLE,
    OTHER_USER_UUID,
    TITLE,
    USER_UUID,
    Item,
    s,
    to_attrs,
)
from cruddur.adapters.dynamodb.inbox_items import last_message_attrs
from cruddur.domain import keys
from cruddur.domain.groups import GROUP, Group, Member
from cruddur.domain.model import LastMessage

VERSION = "version"
# How many other members' names a row keeps: enough for "Ada, Bruno and 3 others".
NAMES_ON_ROW = 3


def members_item(group: Group) -> Item:
    item: Item = {
        **to_attrs(keys.members_key(group.group_uuid)),
        GROUP_UUID: s(group.group_uuid),
        KIND: s(GROUP),
        VERSION: {"N": str(group.version)},
        CREATED_AT: s(group.created_at),
        # One JSON document: read and written whole, conditional on the version.
        MEMBERS: s(json.dumps([_member_fields(m) for m in group.members], separators=(",", ":"))),
    }
    if group.title is not None:
        item[TITLE] = s(group.title)
    return item


def _member_fields(m: Member) -> list[str]:
    return [m.uuid, m.handle, m.display_name, m.role, m.joined_at, m.joined_sk]


def group_of(item: Mapping[str, Any]) -> Group:
    listed = json.loads(item[MEMBERS]["S"])
    return Group(
        group_uuid=str(item[GROUP_UUID]["S"]),
        title=item.get(TITLE, {}).get("S"),
        members=tuple(Member(*(str(v) for v in fields)) for fields in listed),
        version=int(item[VERSION]["N"]),
        created_at=str(item[CREATED_AT]["S"]),
    )


def row_fields(group: Group, owner_uuid: str) -> Item:
    """What a member's row shows of the group (not its last message): written whole on every
    change of the membership or the title."""
    others = [m.display_name for m in group.members if m.uuid != owner_uuid][:NAMES_ON_ROW]
    fields: Item = {
        KIND: s(GROUP),
        MEMBER_COUNT: {"N": str(len(group.members))},
        MEMBER_NAMES: {"L": [s(name) for name in others]},
        MEMBERS_VERSION: {"N": str(group.version)},
        # A group's row is with no one person: these stay empty (a direct row's readers need them).
        OTHER_USER_UUID: s(""),
        OTHER_USER_HANDLE: s(""),
        OTHER_USER_DISPLAY_NAME: s(""),
    }
    if group.title is not None:
        fields[TITLE] = s(group.title)
    return fields


def member_row(group: Group, member: Member, latest: LastMessage) -> Item:
    """A member's new row of the group, showing `latest` (the event that added them, or the
    group's start), nothing unread."""
    return {
        **to_attrs(keys.inbox_key(member.uuid, group.group_uuid)),
        GROUP_UUID: s(group.group_uuid),
        USER_UUID: s(member.uuid),
        JOINED_SK: s(member.joined_sk),
        **row_fields(group, member.uuid),
        **last_message_attrs(latest),
    }
