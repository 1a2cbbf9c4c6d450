"""Where live events travel: in-process by default, Redis pub/sub when REDIS_URL is set.

The stream processor publishes (from its own thread, or its own process with Redis); every API
process subscribes per connected browser. Events carry no message text, only what to refresh,
so nothing private crosses Redis that the browser would not fetch anyway with its own session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any, Protocol

import redis
import redis.asyncio as aioredis

log = logging.getLogger(__name__)
Event = dict[str, Any]


class EventHub(Protocol):
    def publish(self, user_uuid: str, event: Event) -> None: ...

    def subscribe(self, user_uuid: str) -> AsyncIterator[Event]: ...


class LocalHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event]]]] = {}

    def publish(self, user_uuid: str, event: Event) -> None:
        with self._lock:
            targets = list(self._queues.get(user_uuid, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(_offer, queue, event)

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


def channel(user_uuid: str) -> str:
    return f"cruddur:events:{user_uuid}"


class RedisHub:
    def __init__(self, url: str) -> None:
        self._publisher = redis.Redis.from_url(url)
        self._subscriber = aioredis.Redis.from_url(url)

    def publish(self, user_uuid: str, event: Event) -> None:
        try:
            self._publisher.publish(channel(user_uuid), json.dumps(event))
        except redis.RedisError as exc:  # live updates are a nicety: never fail the inbox write
            log.warning("could not publish a live event: %s", exc)

    async def subscribe(self, user_uuid: str) -> AsyncIterator[Event]:
        pubsub = self._subscriber.pubsub()
        await pubsub.subscribe(channel(user_uuid))
        try:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    yield json.loads(message["data"])
        finally:
            await pubsub.unsubscribe(channel(user_uuid))
            await pubsub.aclose()  # type: ignore[no-untyped-call]
