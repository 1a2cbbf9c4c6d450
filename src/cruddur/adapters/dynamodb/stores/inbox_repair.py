"""Rebuild inbox rows from what is authoritative (`cruddur ddb repair-inboxes`).

A conversation's two rows derive from its message partition (the newest message, the unread
ones), from the read positions (each member's own `read_sk`, mirrored on the other's row as
`other_read_sk`: either copy restores a lost row's) and from the block items (`blocked_hidden`).
A row built from those (`inbox_items.inbox_row`) is what the stream processor's updates arrive at.

Safe while traffic flows: a row is read before the messages are, and the rewrite is
conditional on the row being exactly as read. If the processor (or a reader marking it read)
moved it meanwhile, the conversation is read again and rebuilt; if the rewrite lands first, the
processor's later update moves forward from it as from any row. Nothing is opened: sealed
previews are copied as the processor copies them, so no key is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cruddur.adapters.dynamodb import inbox_items, message_items, operations
from cruddur.adapters.dynamodb.attributes import (
    CREATED_AT,
    EDITED_AT,
    ERASED,
    GROUP_UUID,
    HIDDEN,
    LAST_MESSAGE_REV,
    LAST_MESSAGE_SK,
    MESSAGE_UUID,
    OTHER_READ_AT,
    OTHER_READ_SK,
    OTHER_USER_DISPLAY_NAME,
    OTHER_USER_HANDLE,
    OWNER_CHOICES,
    READ_AT,
    READ_SK,
    SENDER,
    UNREAD,
    USER_UUID,
    Item,
    binary,
    s,
)
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import UNREAD_CAP, LastMessage, UserRef
from cruddur.errors import Conflict

log = logging.getLogger(__name__)
MAX_TRIES = 8
PAGE = 200

# Finds a member's profile when no row or message of the conversation names them (the users
# directory, by uuid); None when nobody knows them.
Profiles = Callable[[str], UserRef | None]


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


class InboxRepair:
    def __init__(
        self,
        table: DynamoTable,
        profiles: Profiles | None = None,
        senders: Callable[[Item], UserRef | None] | None = None,
    ) -> None:
        self.table = table
        self.profiles = profiles or (lambda _uuid: None)
        # A message's author by name, opened with the key it is sealed under (None: erased).
        self.senders = senders

    # -- which conversations ----------------------------------------------------------------
    def every_group(self) -> Iterator[str]:
        """Every conversation: its pair item, written with it in one transaction."""
        for item in self._scan(f"begins_with({keys.PK}, :pair)", {":pair": s(keys.PAIR_PREFIX)}):
            yield str(item[GROUP_UUID]["S"])

    def groups_of(self, user_uuid: str) -> list[str]:
        """A member's conversations: those their inbox holds, and those whose row of theirs is
        missing (found by the pair items, which takes a scan of the table)."""
        found = dict.fromkeys(self._inbox_groups(user_uuid))
        pairs = self._scan(
            f"begins_with({keys.PK}, :pair) AND contains(user_uuids, :user)",
            {":pair": s(keys.PAIR_PREFIX), ":user": s(user_uuid)},
        )
        found.update(dict.fromkeys(str(item[GROUP_UUID]["S"]) for item in pairs))
        return list(found)

    def groups_active_between(self, start: str, end: str) -> list[str]:
        """Conversations with a message sent, edited or deleted between two timestamps: those a
        lost stream batch of that time may have concerned."""
        condition = (
            f"begins_with({keys.PK}, :msg) AND ({CREATED_AT} BETWEEN :start AND :end"
            f" OR {EDITED_AT} BETWEEN :start AND :end)"
        )
        values = {
            ":msg": s(keys.MESSAGE_PREFIX),
            ":start": s(start),
            ":end": s(end),
        }
        found = self._scan(condition, values)
        return list(dict.fromkeys(str(item[GROUP_UUID]["S"]) for item in found))

    # -- one conversation -------------------------------------------------------------------
    def repair(self, group_uuid: str, *, dry_run: bool = False) -> GroupOutcome:
        """Rebuild both rows of a conversation; what differed (and, unless dry_run, was
        rewritten). Run again at once, it finds nothing to change."""
        for _ in range(MAX_TRIES):
            outcome = GroupOutcome(group_uuid)
            newest = self._newest_message(group_uuid)
            if newest is None:
                outcome.skipped = "no messages"
                return outcome
            members = newest.member_uuids
            rows = self._rows(group_uuid, members)
            expected = self._expected(group_uuid, newest, rows, outcome)
            if expected is None:
                return outcome
            try:
                for owner in expected:
                    repair = self._write(rows.get(owner), expected[owner], dry_run=dry_run)
                    if repair is not None:
                        outcome.repairs.append(repair)
            except _Moved:
                continue  # read it all again
            return outcome
        raise Conflict(f"the rows of group {group_uuid} kept changing under the repair")

    def _expected(
        self,
        group_uuid: str,
        newest: LastMessage,
        rows: dict[str, Item],
        outcome: GroupOutcome,
    ) -> dict[str, Item] | None:
        members = newest.member_uuids
        reads = {owner: _read_position(owner, members, rows) for owner in members}
        # Nothing at or before both members' read positions can be unread to either.
        positions = [read[0] for read in reads.values() if read is not None]
        since = min(positions) if len(positions) == len(members) else None
        unread: dict[str, set[str]] = {owner: set() for owner in members}
        # Oldest first from the earliest read position: the oldest UNREAD_CAP unread of each
        # member, as the processor keeps them, then no further.
        for message in self._messages_after(group_uuid, since):
            for owner in members:
                read = reads[owner]
                if (
                    message.sender_uuid != owner
                    and not message.deleted
                    and (read is None or message.sort_key > read[0])
                    and len(unread[owner]) < UNREAD_CAP
                ):
                    unread[owner].add(message.sort_key)
            if all(len(found) >= UNREAD_CAP for found in unread.values()):
                break
        hidden, erased = self._blockers(members)
        expected: dict[str, Item] = {}
        for owner in members:
            if owner in erased:
                continue  # a deleted account's row is gone on purpose: never rebuilt
            other_uuid = members[1] if owner == members[0] else members[0]
            other = self._profile(group_uuid, owner, other_uuid, rows)
            if other is None:
                outcome.skipped = f"no profile of member {other_uuid}"
                return None
            expected[owner] = inbox_items.inbox_row(
                owner,
                other,
                newest,
                frozenset(unread[owner]),
                read=reads[owner],
                other_read=reads[other_uuid],
                hidden=owner in hidden,
                # Mute, archive and pin are the owner's choices, kept as they are (a lost row
                # loses them: nothing else records them but the pins item).
                choices=rows.get(owner),
            )
        return expected

    def _write(self, current: Item | None, expected: Item, *, dry_run: bool) -> RowRepair | None:
        group, owner = expected[GROUP_UUID]["S"], expected[USER_UUID]["S"]
        if current is None:
            differing = tuple(sorted(expected))
            action = "created"
        else:
            differing = tuple(
                sorted(
                    name
                    for name in set(current) | set(expected)
                    if _normal(current.get(name)) != _normal(expected.get(name))
                )
            )
            action = "rewrote"
        if not differing:
            return None
        if not dry_run:
            condition, values = _as_read(current)
            try:
                put = operations.put(self.table.name, expected, condition, values)
                self.table.call("PutItem", put, passthrough=(CONDITION_FAILED,))
            except DynamoError as exc:
                raise _Moved from exc
        return RowRepair(group, owner, action, differing)

    # -- reads ------------------------------------------------------------------------------
    def _newest_message(self, group_uuid: str) -> LastMessage | None:
        page = self._query(group_uuid, None, forward=False, limit=1)
        return next(iter(page), None)

    def _messages_after(self, group_uuid: str, since: str | None) -> Iterator[LastMessage]:
        yield from self._query(group_uuid, since, forward=True, limit=None)

    def _query(
        self, group_uuid: str, after: str | None, *, forward: bool, limit: int | None
    ) -> Iterator[LastMessage]:
        condition = f"{keys.PK} = :pk"
        values: dict[str, Any] = {":pk": s(keys.message_pk(group_uuid))}
        if after is not None:
            condition += f" AND {keys.SK} > :after"
            values[":after"] = s(after)
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
            "ConsistentRead": True,
            "Limit": limit or PAGE,
        }
        found = (
            self.table.call("Query", args).get("Items", [])
            if limit is not None
            else self.table.each_item("Query", args)
        )
        for item in found:
            yield message_items.last_message_of(item)

    def _rows(self, group_uuid: str, members: tuple[str, str]) -> dict[str, Item]:
        wanted = [keys.inbox_key(owner, group_uuid) for owner in members]
        return {
            str(item[USER_UUID]["S"]): item
            for item in self.table.batch_get(wanted, consistent=True)
        }

    def _blockers(self, members: tuple[str, str]) -> tuple[set[str], set[str]]:
        """Who of the two blocks the other, and who of them is a deleted account."""
        a, b = members
        wanted = [keys.block_key(a, b), keys.block_key(b, a)]
        found = self.table.batch_get(wanted, consistent=True)
        blockers = {str(item[USER_UUID]["S"]) for item in found}
        return blockers, {str(i[USER_UUID]["S"]) for i in found if ERASED in i}

    def _profile(
        self, group_uuid: str, owner: str, other: str, rows: dict[str, Item]
    ) -> UserRef | None:
        """Whom the owner's row is with: as the row says, else as the other member's newest
        message says, else as the users directory says."""
        row = rows.get(owner)
        if row is not None:
            return UserRef(
                other,
                row[OTHER_USER_HANDLE]["S"],
                row[OTHER_USER_DISPLAY_NAME]["S"],
            )
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": f"{keys.PK} = :pk",
            "FilterExpression": f"{USER_UUID} = :other",
            "ExpressionAttributeValues": {
                ":pk": s(keys.message_pk(group_uuid)),
                ":other": s(other),
            },
            "ScanIndexForward": False,
            "ProjectionExpression": ", ".join(
                (
                    "user_handle",
                    "user_display_name",
                    SENDER,
                    USER_UUID,
                    GROUP_UUID,
                    CREATED_AT,
                    MESSAGE_UUID,
                )
            ),
        }
        for item in self.table.each_item("Query", args):
            if "user_handle" in item:  # written before names were sealed under their author
                return UserRef(other, item["user_handle"]["S"], item["user_display_name"]["S"])
            if self.senders is not None and SENDER in item:
                return self.senders(item)
            break
        return self.profiles(other)

    def _inbox_groups(self, user_uuid: str) -> Iterator[str]:
        args = operations.query(
            self.table.name,
            keys.inbox_pk(user_uuid),
            projection=GROUP_UUID,
            consistent=False,
        )
        for item in self.table.each_item("Query", args):
            yield str(item[GROUP_UUID]["S"])

    def _scan(self, condition: str, values: dict[str, Any]) -> Iterator[Item]:
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "FilterExpression": condition,
            "ExpressionAttributeValues": values,
        }
        yield from self.table.each_item("Scan", args)


class _Moved(Exception):
    """A row changed between the repair's read and its write."""


def _read_position(
    owner: str, members: tuple[str, str], rows: dict[str, Item]
) -> tuple[str, str] | None:
    """How far `owner` has read: their own row's `read_sk`, or the other member's row's
    `other_read_sk` (the same position, told to them); the later of the two."""
    other = members[1] if owner == members[0] else members[0]
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


def _as_read(row: Item | None) -> tuple[str, dict[str, Any]]:
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
