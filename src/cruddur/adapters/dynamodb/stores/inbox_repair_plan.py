"""What the inbox repair decides, from what it read, without I/O: how far each member has read,
which messages are unread to whom, whether a row differs from what it should be, and the
condition its rewrite holds on. What it reports: a `RowRepair` a row, a `GroupOutcome` a
conversation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cruddur.adapters.dynamodb.attributes import (
    HIDDEN,
    LAST_MESSAGE_REV,
    LAST_MESSAGE_SK,
    OTHER_READ_AT,
    OTHER_READ_SK,
    OWNER_CHOICES,
    READ_AT,
    READ_SK,
    UNREAD,
    Item,
    binary,
)
from cruddur.domain import keys
from cruddur.domain.model import UNREAD_CAP, LastMessage

# How far a member has read: the sort key of the last message read, and when.
ReadPosition = tuple[str, str]


@dataclass(frozen=True)
class RowRepair:
    """One row that differed from what its conversation says: what differed, never a text."""

    group_uuid: str
    owner_uuid: str
    action: str  # "created" | "rewrote"
    attributes: tuple[str, ...]  # the attributes that differed (all of them when created)

    def line(self) -> str:
        return (
            f"group {self.group_uuid} row of {self.owner_uuid}: {self.action}"
            f" ({', '.join(self.attributes)})"
        )


@dataclass
class GroupOutcome:
    group_uuid: str
    repairs: list[RowRepair] = field(default_factory=list)
    skipped: str | None = None  # why the conversation was left as it is


def other_member(owner: str, members: tuple[str, str]) -> str:
    return members[1] if owner == members[0] else members[0]


def read_position(
    owner: str, members: tuple[str, str], rows: dict[str, Item]
) -> ReadPosition | None:
    """How far `owner` has read: their own row's `read_sk`, or the other member's row's
    `other_read_sk` (the same position, told to them); the later of the two."""
    other = other_member(owner, members)
    found = []
    own, theirs = rows.get(owner, {}), rows.get(other, {})
    if READ_SK in own:
        found.append((own[READ_SK]["S"], own.get(READ_AT, {}).get("S", "")))
    if OTHER_READ_SK in theirs:
        found.append(
            (
                theirs[OTHER_READ_SK]["S"],
                theirs.get(OTHER_READ_AT, {}).get("S", ""),
            )
        )
    return max(found, default=None)


def unread_since(reads: dict[str, ReadPosition | None]) -> str | None:
    """Where the unread messages can begin: nothing at or before both members' read positions
    can be unread to either (None: one of them has read nothing, so from the first)."""
    positions = [read[0] for read in reads.values() if read is not None]
    return min(positions) if len(positions) == len(reads) else None


def unread_of(
    members: tuple[str, str],
    reads: dict[str, ReadPosition | None],
    messages: Iterable[LastMessage],
) -> dict[str, set[str]]:
    """Each member's unread messages, by sort key, from `messages` oldest first: the oldest
    UNREAD_CAP of each, as the processor keeps them. Stops reading once both are full."""
    unread: dict[str, set[str]] = {owner: set() for owner in members}
    for message in messages:
        for owner in members:
            read = reads[owner]
            if (
                message.sender_uuid != owner
                and not message.deleted
                and not message.event
                and (read is None or message.sort_key > read[0])
                and len(unread[owner]) < UNREAD_CAP
            ):
                unread[owner].add(message.sort_key)
        if all(len(found) >= UNREAD_CAP for found in unread.values()):
            break
    return unread


def differing(current: Item | None, expected: Item) -> tuple[str, tuple[str, ...]]:
    """What a rewrite would be ("created" or "rewrote") and the attributes it changes (none:
    the row already says what it should)."""
    if current is None:
        return "created", tuple(sorted(expected))
    changed = (
        name
        for name in set(current) | set(expected)
        if _normal(current.get(name)) != _normal(expected.get(name))
    )
    return "rewrote", tuple(sorted(changed))


def _normal(value: dict[str, Any] | None) -> object:
    """An attribute value compared by content: sets in any order, binaries as bytes."""
    if value is None:
        return None
    if "BS" in value:
        return ("BS", frozenset(binary(token) for token in value["BS"]))
    if "B" in value:
        return ("B", binary(value["B"]))
    return tuple(sorted((kind, repr(inner)) for kind, inner in value.items()))


# What the processor, a reader, a block and the owner's choices change on a row: the rewrite
# holds only while these are as read (the unread set by its size: an oversized row's set is
# too big to send back).
_MOVING = (
    LAST_MESSAGE_SK,
    LAST_MESSAGE_REV,
    READ_SK,
    OTHER_READ_SK,
    HIDDEN,
    *OWNER_CHOICES,
)


def as_read(row: Item | None) -> tuple[str, dict[str, Any]]:
    """A condition that holds only while the row is as it was read (or still absent)."""
    if row is None:
        return f"attribute_not_exists({keys.PK})", {}
    parts, values = [f"attribute_exists({keys.PK})"], {}
    for name in _MOVING:
        if name in row:
            parts.append(f"{name} = :seen_{name}")
            values[f":seen_{name}"] = row[name]
        else:
            parts.append(f"attribute_not_exists({name})")
    if UNREAD in row:
        parts.append(f"size({UNREAD}) = :seen_unread")
        values[":seen_unread"] = {"N": str(len(row[UNREAD]["BS"]))}
    else:
        parts.append(f"attribute_not_exists({UNREAD})")
    return " AND ".join(parts), values
