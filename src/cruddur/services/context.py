"""What the use cases need: the store, the cursor codec, the clock and the limits."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from cruddur.adapters.cursors import CursorCodec
from cruddur.adapters.dynamo_store import DynamoStore
from cruddur.domain.clock import Clock, utc_now
from cruddur.services.limits import Limits


class MembershipCache:
    """Members of a DM never change, so a membership once seen stays true: cache it (LRU).

    Only positive answers are kept; "not a member" is always asked again.
    """

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_uuid: str, group_uuid: str) -> tuple[str, str] | None:
        with self._lock:
            members = self._entries.get((user_uuid, group_uuid))
            if members is not None:
                self._entries.move_to_end((user_uuid, group_uuid))
            return members

    def put(self, user_uuid: str, group_uuid: str, members: tuple[str, str]) -> None:
        with self._lock:
            self._entries[(user_uuid, group_uuid)] = members
            self._entries.move_to_end((user_uuid, group_uuid))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


@dataclass
class MessagingContext:
    store: DynamoStore
    cursors: CursorCodec
    max_chars: int = 1024
    page_max: int = 100
    clock: Clock = utc_now
    members: MembershipCache = field(default_factory=MembershipCache)
    limits: Limits | None = None  # the API's; None for operators' tools (seeding, the bench)
