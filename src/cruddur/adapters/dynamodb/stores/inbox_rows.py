"""Pattern D: the stream's conditional inbox updates (the reader's share: read_positions.py).

An inbox row keeps `last_message_sk` (the newest message it shows), `read_sk` (its owner has
read everything up to here) and `unread`, a set with a token (a short hash of the sort key) of
each unread message from the other member. Unread count = size of that set. Both moves are
idempotent and order-free:
- last_message_* only ever moves forward (condition `last_message_sk < :new`);
- adding to a set twice adds once, so a replayed or duplicated record never counts twice;
- a message at or below `read_sk` is never added (it was read);
- the set never holds more than UNREAD_CAP tokens, the first ones to arrive: past it the count
  shows "99+", and the row's size stays bounded however many messages one sender sends (an
  unbounded set once grew a row past DynamoDB's 400 KB limit, and every later update of it
  failed). A row that is at that limit anyway (written by an older build, or by hand) is
  rewritten in its bounded form (`inbox_items.bounded_inbox_item`) and the update applied after.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from cruddur.adapters.dynamodb import inbox_items, operations
from cruddur.adapters.dynamodb.attributes import (
    JOINED_SK,
    LAST_MESSAGE_REV,
    LAST_MESSAGE_SK,
    READ_SK,
    UNREAD,
    Item,
    binary,
    s,
)
from cruddur.adapters.dynamodb.errors import (
    CONDITION_FAILED,
    VALIDATION,
    item_too_large,
    translate_code,
)
from cruddur.adapters.dynamodb.stores import inbox_fan_out
from cruddur.adapters.dynamodb.stores.group_members import GroupMembers
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import UNREAD_CAP, InboxChange
from cruddur.errors import Conflict, Invalid, NotFound

log = logging.getLogger(__name__)
MAX_TRIES = 8


class InboxRowMissing(NotFound):
    """A message names a member without an inbox row: the record cannot be applied."""


class InboxUpdates:
    def __init__(self, table: DynamoTable, *, statements: bool = True) -> None:
        """`statements=False`: a group's rows one UpdateItem each, as a direct conversation's.
        For measuring capacity on DynamoDB Local, which reports none for BatchExecuteStatement;
        DynamoDB bills each statement as that UpdateItem."""
        self.table = table
        self.groups = GroupMembers(table)
        self.statements = statements

    def group_members(
        self, group_uuid: str, written_at: float | None
    ) -> list[tuple[str, str]] | None:
        return self.groups.members(group_uuid, written_at)

    def apply_inbox_change(self, change: InboxChange) -> bool:
        """Apply one member's share of a batch. Returns False if it was already applied, or
        if a group member's row is gone because they left (it is never written again); a
        row gone while its owner is still a member was lost: InboxRowMissing."""
        try:
            applied = self._apply(change)
            if change.dropped_sks:
                # Deleted while unread: the tokens leave the set. Removing a token that is not
                # there changes nothing, so a replay is harmless.
                self._drop_unread(change)
        except InboxRowMissing:
            if self._left(change):
                return False
            raise
        return applied

    def apply_inbox_changes(self, changes: Sequence[InboxChange]) -> int:
        """Many rows' shares of a batch (a group's), written together: `inbox_fan_out`."""
        return inbox_fan_out.apply_all(self, changes)

    def read_and_apply(self, change: InboxChange, seen: Item | None = None) -> bool:
        """The slow path alone, for a row whose fast path's condition failed elsewhere (`seen`:
        the row as that refusal returned it, if it did)."""
        unread = inbox_items.oldest_unread(change.unread_sks, UNREAD_CAP)
        try:
            return self._read_and_apply(change, unread, seen)
        except InboxRowMissing:
            if self._left(change):
                return False
            raise

    def _left(self, change: InboxChange) -> bool:
        """A group member's row is missing: True if they are no longer a member (nothing to
        apply). If they still are, the row was lost (rows come and go with the membership, in
        one transaction): False; the record fails, and `cruddur stream redrive` mends it."""
        if not change.optional:
            return False
        members = self.groups.members(change.group_uuid, None) or []  # read now
        if any(uuid == change.owner_uuid for uuid, _ in members):
            log.error("group %s: a member's inbox row is missing", change.group_uuid)
            return False
        return True

    def _apply(self, change: InboxChange) -> bool:
        unread = inbox_items.oldest_unread(change.unread_sks, UNREAD_CAP)
        condition, values = _fast_condition(change, unread)
        applied, seen = self._update(
            change, move=True, add=unread, condition=condition, values=values
        )
        return applied or self._read_and_apply(change, unread, seen)

    def _read_and_apply(
        self, change: InboxChange, unread: frozenset[str], seen: Item | None = None
    ) -> bool:
        for _ in range(MAX_TRIES):
            applied, seen = self._apply_as_read(change, unread, seen)
            if applied is not None:
                return applied
        raise Conflict("the inbox row kept changing under the stream processor")

    def _apply_as_read(
        self, change: InboxChange, unread: frozenset[str], seen: Item | None
    ) -> tuple[bool | None, Item | None]:
        """The slow path, once: the row as a refused write returned it (`seen`; a refusal costs
        no read), else read; then write what it lacks, conditional on exactly that. (True,
        _): applied; (False, _): nothing to apply; (None, the row now if returned): it moved
        meanwhile."""
        latest, last, rev = change.latest, LAST_MESSAGE_SK, LAST_MESSAGE_REV
        row = seen
        if row is None:
            row = self.table.get(
                keys.inbox_key(change.owner_uuid, change.group_uuid),
                projection=f"{last}, {rev}, {READ_SK}, {UNREAD}, {JOINED_SK}",
            )
        if row is None:
            raise InboxRowMissing("no inbox row for a member of this message's group")
        current = row.get(last, {}).get("S")
        current_rev = int(row.get(rev, {}).get("N", "0"))
        read = row.get(READ_SK, {}).get("S")
        have = {binary(token) for token in row.get(UNREAD, {}).get("BS", [])}
        # A group member's row shows nothing from before they (last) joined.
        joined = row.get(JOINED_SK, {}).get("S", "")
        move = latest.sort_key >= joined and (
            current is None
            or latest.sort_key > current
            or (latest.sort_key == current and latest.rev > current_rev)
        )
        candidates = frozenset(
            sk
            for sk in unread
            if (read is None or sk > read)
            and sk >= joined
            and inbox_items.unread_token(sk) not in have
        )
        add = inbox_items.oldest_unread(candidates, max(0, UNREAD_CAP - len(have)))
        if not move and not add:
            return False, None
        # Conditional on exactly what we read: if the row moved meanwhile, read it again.
        condition, values = _unchanged({last: current, READ_SK: read})
        if current is not None:
            condition += (
                f" AND {rev} = :seen_rev" if rev in row else f" AND attribute_not_exists({rev})"
            )
            if rev in row:
                values[":seen_rev"] = {"N": str(current_rev)}
        condition += (
            f" AND size({UNREAD}) = :seen_size" if have else f" AND attribute_not_exists({UNREAD})"
        )
        if have:
            values[":seen_size"] = {"N": str(len(have))}
        applied, now = self._update(change, move=move, add=add, condition=condition, values=values)
        return (True, None) if applied else (None, now)  # moved meanwhile: again, from `now`

    def _drop_unread(self, change: InboxChange) -> None:
        tokens = sorted({inbox_items.unread_token(sk) for sk in change.dropped_sks})
        try:
            update = operations.update(
                self.table.name,
                keys.inbox_key(change.owner_uuid, change.group_uuid),
                f"DELETE {UNREAD} :gone",
                {":gone": {"BS": tokens}},
                condition=f"attribute_exists({keys.PK})",
            )
            self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED,))
        except DynamoError as exc:
            raise InboxRowMissing("no inbox row for a member of this message's group") from exc

    def _update(
        self,
        change: InboxChange,
        *,
        move: bool,
        add: frozenset[str],
        condition: str,
        values: dict[str, Any],
    ) -> tuple[bool, Item | None]:
        """(True, None) if written; else (False, the row as it stood, if DynamoDB returned it:
        a refusal asked for it costs no read units)."""
        values = dict(values)
        clauses = []
        if move:
            attrs = inbox_items.last_message_attrs(change.latest)
            clauses.append("SET " + ", ".join(f"{name} = :{name}" for name in attrs))
            values.update({f":{name}": value for name, value in attrs.items()})
        if add:
            clauses.append(f"ADD {UNREAD} :unread")
            values[":unread"] = {"BS": sorted({inbox_items.unread_token(sk) for sk in add})}
        try:
            update = operations.update(
                self.table.name,
                keys.inbox_key(change.owner_uuid, change.group_uuid),
                " ".join(clauses),
                values,
                condition=condition,
                old_on_failure=True,
            )
            self.table.call("UpdateItem", update, passthrough=(CONDITION_FAILED, VALIDATION))
        except DynamoError as exc:
            if exc.code == CONDITION_FAILED:
                return False, exc.body.get("Item")
            if not item_too_large(exc):
                raise translate_code(exc.code, self.table.name) from exc
            # The caller reads the row again and retries against its bounded form.
            self._shrink(change)
            return False, None
        return True, None

    def _shrink(self, change: InboxChange) -> None:
        """Rewrite a row at DynamoDB's item size limit in its bounded form, unless it moved
        meanwhile (then the caller's next try finds it as it is now)."""
        key = keys.inbox_key(change.owner_uuid, change.group_uuid)
        row = self.table.get(key)
        if row is None:
            raise InboxRowMissing("no inbox row for a member of this message's group")
        bounded = inbox_items.bounded_inbox_item(row)
        if bounded == row:
            raise Invalid("the inbox row is at DynamoDB's item size limit with nothing to trim")
        condition, values = _unchanged(
            {name: row.get(name, {}).get("S") for name in (LAST_MESSAGE_SK, READ_SK)}
        )
        try:
            put = operations.put(self.table.name, bounded, condition, values)
            self.table.call("PutItem", put, passthrough=(CONDITION_FAILED,))
        except DynamoError:
            return
        log.warning(
            "inbox row of group %s was at the item size limit: rewritten in its bounded form "
            "(%d attributes dropped, unread tokens %d -> %d)",
            change.group_uuid,
            len(row) - len(bounded),
            len(row.get(UNREAD, {}).get("BS", [])),
            len(bounded.get(UNREAD, {}).get("BS", [])),
        )


def _fast_condition(change: InboxChange, unread: frozenset[str]) -> tuple[str, dict[str, Any]]:
    """The fast path, one write: the batch is newer than the row (a newer message, or a newer
    revision of the row's own last message), every unread message is past the read position,
    and the set has room for them. Replays, late arrivals and full sets fail the condition and
    take the slow path."""
    last, rev = LAST_MESSAGE_SK, LAST_MESSAGE_REV
    newer = f"attribute_not_exists({last}) OR {last} < :{last}"
    if change.latest.rev:
        newer += f" OR ({last} = :{last} AND (attribute_not_exists({rev}) OR {rev} < :{rev}))"
    condition = f"attribute_exists({keys.PK}) AND ({newer})"
    values: dict[str, Any] = {}
    if change.optional:  # a group's row: nothing from before its owner joined
        oldest = min([change.latest.sort_key, *unread])
        condition += f" AND (attribute_not_exists({JOINED_SK}) OR {JOINED_SK} <= :oldest)"
        values[":oldest"] = s(oldest)
    if unread:
        condition += (
            f" AND (attribute_not_exists({READ_SK}) OR {READ_SK} < :min_unread)"
            f" AND (attribute_not_exists({UNREAD}) OR size({UNREAD}) <= :room)"
        )
        values[":min_unread"] = s(min(unread))
        values[":room"] = {"N": str(UNREAD_CAP - len(unread))}
    return condition, values


def _unchanged(seen: dict[str, str | None]) -> tuple[str, dict[str, Any]]:
    """A condition that holds only while each attribute still has the value we read."""
    condition = f"attribute_exists({keys.PK})"
    values: dict[str, Any] = {}
    for name, value in seen.items():
        if value is None:
            condition += f" AND attribute_not_exists({name})"
        else:
            condition += f" AND {name} = :seen_{name}"
            values[f":seen_{name}"] = s(value)
    return condition, values
