"""Live events across processes: Redis pub/sub, one channel per user.

A subscription outlives Redis: when the connection drops (Redis restarted, a failover, the
network) it subscribes again, backing off from 0.1 s to 5 s with jitter, and once it is back it
yields a `resync` event, since whatever was published meanwhile is gone (pub/sub keeps nothing):
the page refetches what it shows. An idle connection is pinged, so a connection that died
without a word is noticed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from cruddur.live_events.hub import RESYNC, Event, channel
from cruddur.live_events.resp import RedisPublisher

log = logging.getLogger(__name__)
RETRY_FIRST = 0.1
RETRY_MOST = 5.0
HEALTH_CHECK_SECONDS = 10


class RedisHub:
    in_process = False

    def __init__(self, url: str) -> None:
        self._publisher = RedisPublisher(url)
        self._subscriber = aioredis.Redis.from_url(
            url, health_check_interval=HEALTH_CHECK_SECONDS, socket_connect_timeout=2
        )
        self._warned_at = 0.0

    def publish(self, user_uuid: str, event: Event) -> None:
        self._publisher.publish(user_uuid, event)

    def close(self) -> None:
        self._publisher.close()

    async def subscribe(self, user_uuid: str) -> AsyncIterator[Event]:
        delay = RETRY_FIRST
        missed = False
        while True:
            pubsub = self._subscriber.pubsub()
            try:
                await pubsub.subscribe(channel(user_uuid))
                if missed:
                    log.info("live events: subscribed again after losing Redis")
                    yield {"type": RESYNC}
                missed, delay = False, RETRY_FIRST
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        yield json.loads(message["data"])
            except (RedisError, OSError) as exc:
                self._warn(exc)
            finally:
                with contextlib.suppress(RedisError, OSError):  # the connection is gone already
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            missed = True
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter only
            delay = min(delay * 2, RETRY_MOST)

    def _warn(self, exc: BaseException) -> None:
        if time.monotonic() - self._warned_at > 10:
            self._warned_at = time.monotonic()
            log.warning("live events: lost Redis (%s); subscribing again", type(exc).__name__)
