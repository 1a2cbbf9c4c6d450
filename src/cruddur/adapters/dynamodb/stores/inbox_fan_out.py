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
from typing import TYPE_CHECKING

from cruddur.adapters.dynamodb import inbox_items, inbox_statements
from cruddur.adapters.dynamodb.errors import VALIDATION
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain.model import UNREAD_CAP, InboxChange

if TYPE_CHECKING:
    from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates

log = logging.getLogger(__name__)
# A group's calls at once: its batches of statements, then the rows they left to other paths.
# Its own pool: the processor's writers wait on it, and it never waits on itself.
_ROWS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="inbox-rows")
# Refusals of a whole call that need not stop the rows (PartiQL not granted to the role, or not
# spoken by an emulator): they go the one-row way. Others (throttling past the wire's retries,
# DynamoDB away) fail the batch, which the processor isolates and retries.
STATEMENTS_REFUSED = (VALIDATION, "AccessDeniedException", "UnknownOperationException")
_REFUSALS_LOGGED: set[str] = set()


def apply_all(rows: InboxUpdates, changes: Sequence[InboxChange]) -> int:
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
        for change, code in zip(chunk, refused, strict=True):
            if code is None:
                applied += 1
            elif code == inbox_statements.CONDITION_FAILED:
                slow.append(change)
            else:
                whole.append(change)
    # From the caller's thread, never from one of the pool's: nothing here waits on itself.
    applied += sum(_ROWS.map(rows.read_and_apply, slow))
    return applied + sum(_ROWS.map(rows.apply_inbox_change, whole))


def _call(rows: InboxUpdates, changes: list[InboxChange]) -> list[str | None]:
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
        if exc.code not in _REFUSALS_LOGGED:  # once a process: the rows still land
            _REFUSALS_LOGGED.add(exc.code)
            log.warning("inbox statements refused (%s): rows go one at a time", exc.code)
        return [exc.code] * len(changes)
    return inbox_statements.refusals(answer, len(changes))
