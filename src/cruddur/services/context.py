"""What the use cases need: the stores, the cursor codec, the clock, the limits and where live
events go."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from cruddur.cache import TtlCache
from cruddur.domain.attachments import THUMBNAIL_TYPE, Attachment, download_name
from cruddur.domain.clock import Clock, utc_now
from cruddur.domain.cursors import CursorCodec
from cruddur.live_events.hub import Event, Publisher
from cruddur.services.limits import Limits
from cruddur.services.ports.files import FileStore, Reencoder, Uploads
from cruddur.services.ports.groups import GroupStore
from cruddur.services.ports.messages import BlockList, Conversations, Edits
from cruddur.services.ports.push import PushRegistry

# How long a "no block between these two" answer is trusted on the send path. A block made in
# this process is seen at once (the entry is dropped); one made in another API process takes at
# most this long to stop sends here.
BLOCK_CACHE_SECONDS = 5.0


class NoEvents:
    """Operators' tools and the bench publish nowhere."""

    in_process = True

    def publish(self, user_uuid: str, event: Event) -> None:
        return None


class MembershipCache:
    """Members of a DM never change, so a membership once seen stays true: cache it (LRU).

    Only positive answers are kept; "not a member" is always asked again.
    """

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_uuid: str, group_uuid: str) -> tuple[str, ...] | None:
        with self._lock:
            members = self._entries.get((user_uuid, group_uuid))
            if members is not None:
                self._entries.move_to_end((user_uuid, group_uuid))
            return members

    def put(self, user_uuid: str, group_uuid: str, members: tuple[str, ...]) -> None:
        with self._lock:
            self._entries[(user_uuid, group_uuid)] = members
            self._entries.move_to_end((user_uuid, group_uuid))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


class GroupAccessCache:
    """Where a group member's access starts (their `joined_sk`), remembered for a minute at
    most, and only while the group's epoch in the shared state is the one read before the row:
    every removal and leave counts the epoch up, before and after it is written, so an entry
    made before the removal is never used after it, in any API process (services/membership)."""

    SECONDS = 60.0

    def __init__(self, size: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[str | None, int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_uuid: str, group_uuid: str, epoch: int) -> tuple[str | None] | None:
        """(joined_sk,) if an entry of this epoch and younger than SECONDS is kept."""
        with self._lock:
            entry = self._entries.get((user_uuid, group_uuid))
            if entry is None or entry[1] != epoch or self._clock() - entry[2] > self.SECONDS:
                return None
            return (entry[0],)

    def put(self, user_uuid: str, group_uuid: str, joined_sk: str | None, epoch: int) -> None:
        with self._lock:
            self._entries[(user_uuid, group_uuid)] = (joined_sk, epoch, self._clock())
            self._entries.move_to_end((user_uuid, group_uuid))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


@dataclass(frozen=True)
class Shelf:
    """Where photos and files go: the object store, the uploads not attached yet, how images
    are drawn again, and the limits of it all."""

    files: FileStore
    uploads: Uploads
    reencode: Reencoder
    max_bytes: int = 10 * 1024 * 1024
    attach_within_seconds: int = 3600  # an upload not attached by then is gone
    link_seconds: int = 300  # how long a file's URL serves it

    def links(self, attachment: Attachment) -> tuple[str, str | None]:
        """Short-lived URLs of the file and of its thumbnail (an image's; None otherwise). An
        image is shown inline (it was drawn again from its pixels); anything else only ever
        downloads, under a name whose extension says what it is."""
        seconds = self.link_seconds
        if attachment.is_image:
            url = self.files.link(attachment.key, attachment.content_type, None, seconds)
            assert attachment.thumbnail_key is not None
            thumbnail = self.files.link(attachment.thumbnail_key, THUMBNAIL_TYPE, None, seconds)
            return url, thumbnail
        name = download_name(attachment.name, attachment.content_type)
        return self.files.link(attachment.key, attachment.content_type, name, seconds), None


@dataclass
class MessagingContext:
    store: Conversations
    cursors: CursorCodec
    edits: Edits
    blocks: BlockList
    max_chars: int = 1024
    page_max: int = 100
    clock: Clock = utc_now
    members: MembershipCache = field(default_factory=MembershipCache)
    group_access: GroupAccessCache = field(default_factory=GroupAccessCache)
    limits: Limits | None = None  # the API's; None for operators' tools (seeding, the bench)
    events: Publisher = field(default_factory=NoEvents)
    shelf: Shelf | None = None  # photos and files; None: messages are text only (the bench)
    groups: GroupStore | None = None  # group conversations; None: direct ones only (unit tests)
    max_group_members: int = 50
    retention_days: int | None = None  # messages expire after this many days; None: never
    push: PushRegistry | None = None  # browsers' push subscriptions; None: not offered here
    # (low uuid, high uuid) -> who of the two blocks the other.
    block_cache: TtlCache[tuple[str, str], frozenset[str]] = field(
        default_factory=lambda: TtlCache(BLOCK_CACHE_SECONDS)
    )


async def publish(ctx: MessagingContext, user_uuid: str, event: Event) -> None:
    """A live event, from the event loop: an in-process hub takes it right here; Redis's
    publish is a round trip, made on a thread."""
    if ctx.events.in_process:
        ctx.events.publish(user_uuid, event)
    else:
        await asyncio.to_thread(ctx.events.publish, user_uuid, event)


# A group's epoch in the shared state: counted up by every removal and leave. It outlives any
# entry of GroupAccessCache many times over (an epoch that expired reads 0, never a stale match:
# a removal counts up twice).
EPOCH_SECONDS = 86_400.0


def epoch_key(group_uuid: str) -> str:
    return f"group-epoch:{group_uuid}"


async def group_epoch(ctx: MessagingContext, group_uuid: str) -> int | None:
    """The group's epoch (None: no shared state here, the operators' tools: nothing is kept)."""
    if ctx.limits is None:
        return None
    state = ctx.limits.state
    key = epoch_key(group_uuid)
    [value] = state.read(key) if state.in_process else await asyncio.to_thread(state.read, key)
    return value


async def next_epoch(ctx: MessagingContext, group_uuid: str) -> bool:
    """Count the group's epoch up: every process's kept access to it is void. False if the
    shared state could not be reached."""
    if ctx.limits is None:
        return True
    state = ctx.limits.state
    key = epoch_key(group_uuid)
    if state.in_process:
        value = state.incr(key, EPOCH_SECONDS)
    else:
        value = await asyncio.to_thread(state.incr, key, EPOCH_SECONDS)
    return value > 0  # Redis's incr answers 0 when it could not count


async def within_limit(ctx: MessagingContext, rule: str, user_uuid: str) -> None:
    """One more of `rule` for the user; TooManyAttempts past it (operators' tools: no limits)."""
    if ctx.limits is not None:
        await ctx.limits.take(rule, user_uuid)
