"""A group's rows written together: every row's fast path as a PartiQL statement
(`inbox_statements.py`), up to 25 a BatchExecuteStatement call, the calls at once. A row whose
condition fails then takes the slow path (read it, write what it lacks), and a row refused for
any other reason (at the item size limit, throttled, PartiQL not granted) the one-row path of
`inbox_rows.py`, which knows what to do with each. Same rows, same writes, same bill: 2 calls
for a group of 50 instead of 50.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from cruddur.adapters.dynamodb import inbox_items, inbox_statements
from cruddur.adapters.dynamodb.attributes import Item
from cruddur.adapters.dynamodb.errors import VALIDATION
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain.model import UNREAD_CAP, InboxChange

log = logging.getLogger(__name__)
# A group's calls at once: its batches of statements, then the rows they left to other paths.
# Its own pool: the processor's writers wait on it, and it never waits on itself.
_ROWS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="inbox-rows")
# Refusals of a whole call that need not stop the rows (PartiQL not granted to the role, or not
# spoken by an emulator): they go the one-row way. Others (throttling past the wire's retries,
# DynamoDB away) fail the batch, which the processor isolates and retries.
STATEMENTS_REFUSED = (VALIDATION, "AccessDeniedException", "UnknownOperationException")
_REFUSALS_LOGGED: set[str] = set()


class Rows(Protocol):
    """What this needs of the stream's writer (`inbox_rows.InboxUpdates`)."""

    table: DynamoTable
    statements: bool

    def apply_inbox_change(self, change: InboxChange) -> bool: ...

    def read_and_apply(self, change: InboxChange, seen: Item | None = None) -> bool: ...


def apply_all(rows: Rows, changes: Sequence[InboxChange]) -> int:
    """Apply every change; the number applied (as `apply_inbox_change` counts: True)."""
    many = [change for change in changes if not change.dropped_sks]
    # A deletion's change also takes tokens out of the set: the one-row path does both.
    whole = [change for change in changes if change.dropped_sks]
    if not rows.statements or len(many) < 2:
        return sum(_ROWS.map(rows.apply_inbox_change, changes))
    size = inbox_statements.STATEMENTS_MAX
    chunks = [many[start : start + size] for start in range(0, len(many), size)]
    applied, slow = 0, []
    for chunk, refused in zip(chunks, _ROWS.map(lambda c: _call(rows, c), chunks), strict=True):
        for change, refusal in zip(chunk, refused, strict=True):
            if refusal is None:
                applied += 1
            elif refusal.condition_failed:
                slow.append((change, refusal.row))
            else:
                _log_once(refusal.code)
                whole.append(change)

    def rest(job: tuple[InboxChange, Item | None] | InboxChange) -> bool:
        if isinstance(job, InboxChange):
            return rows.apply_inbox_change(job)
        return rows.read_and_apply(*job)

    # From the caller's thread, never from one of the pool's: nothing here waits on itself.
    return applied + sum(_ROWS.map(rest, [*slow, *whole]))


def _call(rows: Rows, changes: list[InboxChange]) -> list[inbox_statements.Refusal | None]:
    """One BatchExecuteStatement of these rows' fast paths: each one's refusal, or None."""
    statements = [
        inbox_statements.fast_update(
            rows.table.name, change, inbox_items.oldest_unread(change.unread_sks, UNREAD_CAP)
        )
        for change in changes
    ]
    try:
        answer = rows.table.call(
            "BatchExecuteStatement",
            inbox_statements.batch(statements),
            passthrough=STATEMENTS_REFUSED,
        )
    except DynamoError as exc:
        _log_once(exc.code)
        return [inbox_statements.Refusal(exc.code)] * len(changes)
    return inbox_statements.refusals(answer, len(changes))


def _log_once(code: str) -> None:
    """A refusal other than a failed condition (PartiQL not granted, a row too large, throttling
    past the wire's retries): its rows still land one at a time, and the log says so once a
    process for each kind, not once a message."""
    if code not in _REFUSALS_LOGGED:
        _REFUSALS_LOGGED.add(code)
        log.warning("inbox statements refused (%s): those rows go one at a time", code)
