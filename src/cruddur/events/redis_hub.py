"""Live events across processes: Redis pub/sub, one channel per user."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import redis.asyncio as aioredis

from cruddur.events.hub import Event, channel
from cruddur.events.resp import RedisPublisher


class RedisHub:
    in_process = False

    def __init__(self, url: str) -> None:
        self._publisher = RedisPublisher(url)
        self._subscriber = aioredis.Redis.from_url(url)

    def publish(self, user_uuid: str, event: Event) -> None:
        self._publisher.publish(user_uuid, event)

    def close(self) -> None:
        self._publisher.close()

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
