"""Rebuild inbox rows from what is authoritative (`cruddur ddb repair-inboxes`): a direct
conversation's two, as below; a group's, every member's (inbox_repair_groups).

A conversation's two rows derive from its message partition (the newest message, the unread
ones), from the read positions (each member's own `read_sk`, mirrored on the other's row as
`other_read_sk`: either copy restores a lost row's) and from the block items (`blocked_hidden`).
A row built from those (`inbox_items.inbox_row`) is what the stream processor's updates arrive at.

Safe while traffic flows: a row is read before the messages are, and the rewrite is
conditional on the row being exactly as read. If the processor (or a reader marking it read)
moved it meanwhile, the conversation is read again and rebuilt; if the rewrite lands first, the
processor's later update moves forward from it as from any row. Nothing is opened: sealed
previews are copied as the processor copies them, so no key is needed.

The decisions, without I/O, are inbox_repair_plan's; the reads, inbox_repair_reads'. This
module holds the loop: read, decide, write conditionally, read again when a row moved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cruddur.adapters.dynamodb import group_items, inbox_items, operations
from cruddur.adapters.dynamodb.attributes import GROUP_UUID, USER_UUID, Item
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.stores.inbox_repair_groups import expected_rows, reads_from
from cruddur.adapters.dynamodb.stores.inbox_repair_plan import (
    GroupOutcome,
    RowRepair,
    as_read,
    differing,
    other_member,
    read_position,
    unread_of,
    unread_since,
)
from cruddur.adapters.dynamodb.stores.inbox_repair_reads import Profiles, RepairReads
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import LastMessage, UserRef
from cruddur.errors import Conflict

MAX_TRIES = 8


class InboxRepair:
    def __init__(
        self,
        table: DynamoTable,
        profiles: Profiles | None = None,
        senders: Callable[[Item], UserRef | None] | None = None,
    ) -> None:
        self.table = table
        self.reads = RepairReads(table, profiles, senders)

    # -- which conversations (what RepairReads finds) ---------------------------------------
    def every_group(self) -> Iterator[str]:
        return self.reads.every_group()

    def groups_of(self, user_uuid: str) -> list[str]:
        return self.reads.groups_of(user_uuid)

    def groups_active_between(self, start: str, end: str) -> list[str]:
        return self.reads.groups_active_between(start, end)

    # -- one conversation -------------------------------------------------------------------
    def repair(self, group_uuid: str, *, dry_run: bool = False) -> GroupOutcome:
        """Rebuild both rows of a conversation; what differed (and, unless dry_run, was
        rewritten). Run again at once, it finds nothing to change."""
        for _ in range(MAX_TRIES):
            outcome = GroupOutcome(group_uuid)
            newest = self.reads.newest_message(group_uuid)
            if newest is None:
                outcome.skipped = "no messages"
                return outcome
            if newest.member_uuids:
                members = (newest.member_uuids[0], newest.member_uuids[1])
                rows = self.reads.rows(group_uuid, members)
                expected = self._expected(group_uuid, newest, rows, outcome)
            else:  # a group's: every member's row, from its membership item
                rows, expected = self._expected_group(group_uuid, newest, outcome)
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
        members = (newest.member_uuids[0], newest.member_uuids[1])
        reads = {owner: read_position(owner, members, rows) for owner in members}
        messages = self.reads.messages_after(group_uuid, unread_since(reads))
        unread = unread_of(members, reads, messages)
        hidden, erased = self.reads.blockers(members)
        expected: dict[str, Item] = {}
        for owner in members:
            if owner in erased:
                continue  # a deleted account's row is gone on purpose: never rebuilt
            other_uuid = other_member(owner, members)
            other = self.reads.profile(group_uuid, owner, other_uuid, rows)
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

    def _expected_group(
        self, group_uuid: str, newest: LastMessage, outcome: GroupOutcome
    ) -> tuple[dict[str, Item], dict[str, Item] | None]:
        item = self.table.get(keys.members_key(group_uuid))
        if item is None:
            outcome.skipped = "a group's messages without its membership item"
            return {}, None
        group = group_items.group_of(item)
        rows = self.reads.rows(group_uuid, group.uuids)
        messages = self.reads.messages_after(group_uuid, reads_from(group, rows))
        return rows, expected_rows(group, newest, rows, messages)

    def _write(self, current: Item | None, expected: Item, *, dry_run: bool) -> RowRepair | None:
        group, owner = expected[GROUP_UUID]["S"], expected[USER_UUID]["S"]
        action, changed = differing(current, expected)
        if not changed:
            return None
        if not dry_run:
            condition, values = as_read(current)
            try:
                put = operations.put(self.table.name, expected, condition, values)
                self.table.call("PutItem", put, passthrough=(CONDITION_FAILED,))
            except DynamoError as exc:
                raise _Moved from exc
        return RowRepair(group, owner, action, changed)


class _Moved(Exception):
    """A row changed between the repair's read and its write."""
