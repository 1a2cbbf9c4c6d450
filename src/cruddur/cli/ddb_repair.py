"""`cruddur ddb repair-inboxes`: inbox rows rebuilt from the messages and the read positions
(adapters/dynamodb/stores/inbox_repair.py), paced, on a few threads, with progress on a
terminal. Exits 3 when a conversation was left as is."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from cruddur import storage
from cruddur.adapters.dynamodb.capacity import CapacityMeter, WriteBudget
from cruddur.adapters.dynamodb.stores.inbox_repair import InboxRepair
from cruddur.adapters.dynamodb.stores.inbox_repair_plan import GroupOutcome, RowRepair
from cruddur.cli.common import (
    capacity_of,
    data_dir_option,
    emit_json,
    exit_work_left,
    json_option,
    with_target,
)
from cruddur.cli.progress import progress
from cruddur.config import Settings
from cruddur.domain.model import parse_uuid

REPAIR_WORKERS = 4  # conversations rebuilt at once: a few round trips in flight, paced by --wcu
REPAIR_QUEUE = 256  # conversations taken from the scan ahead of the workers, at most
T = TypeVar("T")


def _bounded_map(
    pool: ThreadPoolExecutor, work: Callable[[str], T], inputs: Iterable[str]
) -> Iterator[T]:
    """pool.map without reading all of `inputs` first (a scan of a whole table)."""
    pending: deque[Future[T]] = deque()
    for value in inputs:
        pending.append(pool.submit(work, value))
        if len(pending) >= REPAIR_QUEUE:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


@dataclass
class _Tally:
    """What a run did: its summary, its --json document and its exit status."""

    dry_run: bool
    checked: int = 0
    rows: list[RowRepair] = field(default_factory=list)
    skipped: list[GroupOutcome] = field(default_factory=list)

    def take(self, outcome: GroupOutcome) -> list[str]:
        """Count a conversation's outcome; its text lines (one per row changed, never a text)."""
        self.checked += 1
        self.rows += outcome.repairs
        lines = [row.line() for row in outcome.repairs]
        if outcome.skipped:
            self.skipped.append(outcome)
            lines.insert(0, f"group {outcome.group_uuid}: left as is ({outcome.skipped})")
        return lines

    def changed(self, action: str) -> int:
        return sum(row.action == action for row in self.rows)

    def summary(self, seconds: float) -> str:
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.checked} conversations checked in {seconds:.1f} s: "
            f"{self.changed('created')} rows {verb} created, "
            f"{self.changed('rewrote')} {verb} rewritten, "
            f"{len(self.skipped)} conversations left as is"
        )

    def document(self, seconds: float, meter: CapacityMeter) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "checked": self.checked,
            "created": self.changed("created"),
            "rewritten": self.changed("rewrote"),
            "rows": [
                {
                    "group_uuid": row.group_uuid,
                    "owner_uuid": row.owner_uuid,
                    "action": row.action,
                    "attributes": list(row.attributes),
                }
                for row in self.rows
            ],
            "left_as_is": [{"group_uuid": o.group_uuid, "reason": o.skipped} for o in self.skipped],
            "seconds": round(seconds, 3),
            "capacity": capacity_of(meter),
        }


def _chosen(
    settings: Settings, repair: InboxRepair, handle: str | None, group: str | None
) -> tuple[Iterable[str], int | None]:
    """The conversations to repair, and how many when that is known before the work (a scan of
    the whole table is read as it goes)."""
    if handle is not None:
        owner = storage.build_users(settings).by_handle(handle)
        mine = repair.groups_of(owner.uuid)
        return mine, len(mine)
    if group is not None:
        return [parse_uuid(group, "group")], 1
    return repair.every_group(), None


@click.command("repair-inboxes")
@with_target()
@data_dir_option
@click.option("--user", "handle", metavar="HANDLE", help="Every conversation of this user.")
@click.option("--group", "group", metavar="UUID", help="One conversation.")
@click.option("--all", "every", is_flag=True, help="Every conversation in the table.")
@click.option("--dry-run", is_flag=True, help="Report what differs; write nothing.")
@click.option(
    "--wcu",
    type=click.FloatRange(min=0.1),
    default=50.0,
    show_default=True,
    help="Write capacity units a second the repair may use, at most.",
)
@json_option
def repair_inboxes(
    settings: Settings,
    handle: str | None,
    group: str | None,
    every: bool,
    dry_run: bool,
    wcu: float,
    as_json: bool,
) -> None:
    """Rebuild inbox rows from the messages and the read positions.

    Both rows of each conversation are made to say what its messages say: that they exist,
    the last message and its preview, the unread count (to its cap) and "Seen". A row that
    differs is rewritten only if it is still as read, so this is safe while traffic flows; run
    twice, the second run changes nothing. One line per row it changes (which attributes,
    never a text), then a summary with the capacity used; a progress line on a terminal.

    Exit status: 0 done; 3 done, but some conversations were left as is (listed: no messages,
    or a member without a profile); 1 an error; 2 a usage error.
    """
    if sum((handle is not None, group is not None, every)) != 1:
        raise click.UsageError("choose one: --user HANDLE, --group UUID or --all")
    repair = storage.build_inbox_repair(settings, CapacityMeter())
    meter = repair.table.meter
    groups, total = _chosen(settings, repair, handle, group)
    budget = WriteBudget(meter, wcu)
    started = time.monotonic()
    tally = _Tally(dry_run)

    def one(group_uuid: str) -> GroupOutcome:
        budget.spend()
        return repair.repair(group_uuid, dry_run=dry_run)

    with (
        progress("repair-inboxes", unit="conversations", total=total) as shown,
        ThreadPoolExecutor(REPAIR_WORKERS, thread_name_prefix="repair") as pool,
    ):
        for outcome in _bounded_map(pool, one, groups):
            lines = tally.take(outcome)
            shown.advance()
            if not as_json:
                for line in lines:
                    shown.echo(line)
    seconds = time.monotonic() - started
    if as_json:
        emit_json(tally.document(seconds, meter))
    click.echo(tally.summary(seconds), err=True)
    click.echo(meter.summary(), err=True)
    if tally.skipped:
        exit_work_left()
