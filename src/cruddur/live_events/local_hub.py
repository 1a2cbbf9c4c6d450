"""Live events within one process: the poller's thread publishes, the API's loop delivers."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

from cruddur.live_events.hub import Event


class LocalHub:
    in_process = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]]] = {}

    def publish(self, user_uuid: str, event: Event) -> None:
        with self._lock:
            targets = list(self._queues.get(user_uuid, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(_offer, queue, event)

    def close(self) -> None:
        pass  # nothing held outside this process

    async def subscribe(self, user_uuid: str) -> AsyncIterator[Event]:
        entry = (asyncio.get_running_loop(), asyncio.Queue[Event](maxsize=1000))
        with self._lock:
            self._queues.setdefault(user_uuid, set()).add(entry)
        try:
            while True:
                yield await entry[1].get()
        finally:
            with self._lock:
                self._queues.get(user_uuid, set()).discard(entry)


def _offer(queue: asyncio.Queue[Event], event: Event) -> None:
    # A browser that stopped reading loses events rather than growing memory; its next
    # (re)connect refreshes everything anyway.
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(event)
