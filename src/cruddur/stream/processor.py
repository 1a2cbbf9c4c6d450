"""process_records: a whole stream batch → conditional inbox updates (pattern D).

Messages of one group in a batch are coalesced: one update per member row carries the newest
message and every unread one. If a group's update fails, its records are retried one by one so
only the records that really fail are reported (by sequence number) — the rest of the batch,
and the rest of that group, still lands. A record that can never apply (unreadable, a group
without inbox rows, a write DynamoDB refuses as invalid) is also marked `poisoned`: retrying
it only delays everything behind it, so the poller dead-letters it at once. Groups are
independent rows, so they are written concurrently: a batch costs about one round trip per
group, not one per row in sequence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from cruddur.domain.inbox_changes import changes_for
from cruddur.domain.model import InboxChange, LastMessage
from cruddur.errors import Invalid, NotFound
from cruddur.stream.records import (
    MalformedRecord,
    Record,
    message_of,
    sequence_number,
    written_at,
)

log = logging.getLogger(__name__)
# One pool for the process (a Lambda container keeps it between invocations); boto3 clients are
# safe to share between threads.
_WRITERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="inbox-writer")


class InboxWriter(Protocol):
    def apply_inbox_change(self, change: InboxChange) -> bool: ...

    def apply_inbox_changes(self, changes: Sequence[InboxChange]) -> int:
        """Many rows' changes (a group's), at once: how many applied."""
        ...

    def group_members(
        self, group_uuid: str, written_at: float | None
    ) -> list[tuple[str, str]] | None:
        """A group's members (uuid, where their membership starts) for a message written at
        `written_at` (epoch seconds; None: unknown); None if the group has no membership item."""
        ...


# Failures that no retry can cure; anything else (throttling, a row that kept changing, an
# unknown error) may pass and is retried.
PERMANENT: tuple[type[Exception], ...] = (MalformedRecord, Invalid, NotFound)


@dataclass
class BatchResult:
    failed: list[str] = field(default_factory=list)
    poisoned: set[str] = field(default_factory=set)  # failed for good: never worth a retry
    messages: int = 0
    updates: int = 0
    records: int = 0
    malformed: int = 0
    groups: int = 0
    # Each new message's creation (its created_at, set by the API) to its rows applied: the one
    # measure of lag, which the metric samples and the log line sums up.
    lags_ms: list[float] = field(default_factory=list)

    @property
    def lag_ms(self) -> float | None:
        """The longest wait of a new message applied in this batch (None if there was none).

        Derived from `lags_ms`, not from the records' ApproximateCreationDateTime: DynamoDB
        rounds that down (to the second on AWS, to the minute in DynamoDB Local), so the line
        showed up to a minute more lag than the metric did for the same batch."""
        return round(max(self.lags_ms), 1) if self.lags_ms else None

    def log_fields(self) -> dict[str, object]:
        """The batch's line in the logs: counts and lag, nothing of what anyone wrote."""
        return {
            "records": self.records,
            "groups": self.groups,
            "applied": self.updates,
            # Not a message's (inbox rows, pairs, claims): nothing to apply.
            "skipped": self.records - self.messages - self.malformed,
            "failed": len(self.failed),
            "lag_ms": self.lag_ms,
        }

    def batch_item_failures(self) -> dict[str, list[dict[str, str]]]:
        return {"batchItemFailures": [{"itemIdentifier": seq} for seq in self.failed]}


def process_records(records: Sequence[Record], inbox: InboxWriter) -> BatchResult:
    result = BatchResult(records=len(records))
    groups: dict[str, list[tuple[str, LastMessage]]] = {}
    written: dict[str, float | None] = {}
    for record in records:
        seq = sequence_number(record)
        try:
            message = message_of(record)
        except MalformedRecord as exc:
            log.error("stream record %s unreadable: %s", seq, exc)
            result.malformed += 1
            result.failed.append(seq)
            result.poisoned.add(seq)
            continue
        if message is not None:
            groups.setdefault(message.group_uuid, []).append((seq, message))
            at, known = written_at(record), written.get(message.group_uuid, 0.0)
            written[message.group_uuid] = None if at is None or known is None else max(at, known)
    outcomes = _WRITERS.map(
        lambda item: _apply_group(inbox, item[0], item[1], written.get(item[0])), groups.items()
    )
    for (_, entries), (updates, failed, poisoned) in zip(groups.items(), outcomes, strict=True):
        result.messages += len(entries)
        result.updates += updates
        result.failed.extend(failed)
        result.poisoned |= poisoned
    if result.failed:
        # In batch order: Lambda (and the poller) resume from the first reported record.
        position = {sequence_number(record): i for i, record in enumerate(records)}
        result.failed.sort(key=position.__getitem__)
        log.warning("%d of %d records failed", len(result.failed), len(records))
    result.groups = len(groups)
    now = time.time()
    unapplied = set(result.failed)
    result.lags_ms = [
        max(0.0, now - datetime.fromisoformat(m.created_at).timestamp()) * 1000
        for entries in groups.values()
        for seq, m in entries
        if m.rev == 0 and seq not in unapplied
    ]
    if records:
        log.info("stream batch", extra=result.log_fields())
    return result


def _apply_group(
    inbox: InboxWriter,
    group: str,
    entries: list[tuple[str, LastMessage]],
    written: float | None = None,
) -> tuple[int, list[str], set[str]]:
    """(rows updated, sequence numbers that failed, those of them that failed for good)."""
    try:
        return _apply(inbox, [m for _, m in entries], written), [], set()
    except Exception as exc:  # noqa: BLE001 - any failure: isolate the records, report them
        log.warning(
            "group %s: coalesced update failed (%s); applying one by one",
            group,
            type(exc).__name__,
        )
        return 0, *_apply_each(inbox, entries, written)


def _apply(inbox: InboxWriter, messages: list[LastMessage], written: float | None) -> int:
    members = None
    if len({bool(m.member_uuids) for m in messages}) > 1:
        # A direct conversation's messages all name their two members: one that names none
        # is unreadable. Applied one by one, only it fails.
        raise NotFound("messages of one conversation disagree on whether it is a group")
    if not messages[0].member_uuids:  # a group's: its membership item names the members
        members = inbox.group_members(messages[0].group_uuid, written)
        if members is None:  # a message naming no members, of no group: it can never apply
            raise NotFound("a message without members, of a group that has no membership item")
    changes = changes_for(messages, members)
    if len(changes) <= 2:
        return sum(inbox.apply_inbox_change(change) for change in changes)
    # A group's rows are independent: written together (PartiQL statements, 25 a call, the
    # calls at once), so a group of 50 costs about a round trip more than a direct
    # conversation, not 48.
    return inbox.apply_inbox_changes(changes)


def _apply_each(
    inbox: InboxWriter, entries: list[tuple[str, LastMessage]], written: float | None
) -> tuple[list[str], set[str]]:
    failed, poisoned = [], set()
    for seq, message in entries:
        try:
            _apply(inbox, [message], written)
        except Exception as exc:  # noqa: BLE001
            permanent = isinstance(exc, PERMANENT)
            log.error(
                "stream record %s failed%s: %s",
                seq,
                " for good" if permanent else "",
                type(exc).__name__,
            )
            failed.append(seq)
            if permanent:
                poisoned.add(seq)
    return failed, poisoned
