"""Who a group's message goes to, for the keyless stream processor: the membership item, read
consistently and kept (with its version) for the batches that follow.

A kept copy serves a message only if it was read well after the message was written (its
stream record's approximate time, which DynamoDB rounds down: to the second on AWS, to the
minute in DynamoDB Local). So a copy never misses a member who joined before the message was
written; the one who joins while it is written is covered by the join itself, which brings the
new row up to the group's newest message once it is committed (GroupTable.catch_up). A backlog
of older records (a redrive, a stream that fell behind) reads each group once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from cruddur.adapters.dynamodb import group_items, operations
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.domain import keys

# How much later than a record's approximate time a copy must have been read to serve it.
ROUNDING_SECONDS = 61.0
GROUPS_KEPT = 10_000

Members = list[tuple[str, str]]  # (member uuid, the sort key their membership starts at)


class GroupMembers:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table
        self._kept: OrderedDict[str, tuple[float, int, Members]] = OrderedDict()
        self._lock = threading.Lock()
        self.reads = 0  # membership items read (the bench and the tests count them)

    def members(self, group_uuid: str, written_at: float | None) -> Members | None:
        """The members a message of the group written at `written_at` (epoch seconds; None:
        unknown, so read now) goes to; None if the group has no membership item."""
        with self._lock:
            kept = self._kept.get(group_uuid)
        if kept is not None and written_at is not None and kept[0] > written_at + ROUNDING_SECONDS:
            return kept[2]
        read_at = time.time()
        item = self.table.call(
            "GetItem", operations.get(self.table.name, keys.members_key(group_uuid))
        ).get("Item")
        self.reads += 1
        if item is None:
            return None
        group = group_items.group_of(item)
        members = [(m.uuid, m.joined_sk) for m in group.members]
        with self._lock:
            old = self._kept.get(group_uuid)
            if old is None or old[1] <= group.version:
                self._kept[group_uuid] = (read_at, group.version, members)
                self._kept.move_to_end(group_uuid)
            while len(self._kept) > GROUPS_KEPT:
                self._kept.popitem(last=False)
        return members
