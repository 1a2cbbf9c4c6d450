"""What a group's rows should be (`cruddur ddb repair-inboxes`), decided without I/O.

A group member's row derives from the group's membership item (its title, size and names, and
where the member's membership starts), the group's message partition (the newest message, the
unread ones since the member joined and last read) and the member's own row (how far they have
read; their mute, archive and pin). The stream processor's updates arrive at the same row.
"""

from __future__ import annotations

from collections.abc import Iterable

from cruddur.adapters.dynamodb import group_items, inbox_items
from cruddur.adapters.dynamodb.attributes import (
    OWNER_CHOICES,
    READ_AT,
    READ_SK,
    UNREAD,
    Item,
)
from cruddur.domain.groups import Group
from cruddur.domain.model import UNREAD_CAP, LastMessage


def reads_from(group: Group, rows: dict[str, Item]) -> str | None:
    """Where the unread messages of any member can begin: after the earliest of the members'
    read positions (or joinings, for those who have read nothing)."""
    starts = [rows.get(m.uuid, {}).get(READ_SK, {}).get("S") or m.joined_sk for m in group.members]
    return min(starts, default=None)


def expected_rows(
    group: Group, newest: LastMessage, rows: dict[str, Item], messages: Iterable[LastMessage]
) -> dict[str, Item]:
    """Each member's row as the stream would have left it, from `messages` (oldest first,
    every one after `reads_from`)."""
    listed = list(messages)
    expected = {}
    for member in group.members:
        current = rows.get(member.uuid, {})
        read = current.get(READ_SK, {}).get("S")
        unread = [
            m.sort_key
            for m in listed
            if m.sender_uuid != member.uuid
            and not m.deleted
            and not m.event
            and m.sort_key >= member.joined_sk
            and (read is None or m.sort_key > read)
        ][:UNREAD_CAP]
        row = group_items.member_row(group, member, newest)
        if unread:
            row[UNREAD] = {"BS": sorted(inbox_items.unread_token(sk) for sk in unread)}
        if read is not None:
            row[READ_SK] = current[READ_SK]
            if READ_AT in current:
                row[READ_AT] = current[READ_AT]
        for name in OWNER_CHOICES:
            if name in current:
                row[name] = current[name]
        expected[member.uuid] = row
    return expected
