"""Where live events travel: in-process by default, Redis pub/sub when REDIS_URL is set.

The stream processor publishes (from its own thread, or its own process with Redis); every API
process subscribes per connected browser. Events carry no message text, only what to refresh,
so nothing private crosses Redis that the browser would not fetch anyway with its own session.

In-process: `local_hub.LocalHub`. Redis: `redis_hub.RedisHub` (the API's subscriptions) and
`resp.RedisPublisher` (the one way an event is published to Redis, also the stream Lambda's,
which imports nothing else of this).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

Event = dict[str, Any]
# Events may have been missed (the hub lost its connection a while): refetch what is shown.
RESYNC = "resync"


class Publisher(Protocol):
    # As SharedState's: whether publishing never leaves the process (then an event loop may
    # publish directly).
    in_process: bool

    def publish(self, user_uuid: str, event: Event) -> None: ...


class EventHub(Publisher, Protocol):
    def subscribe(self, user_uuid: str) -> AsyncIterator[Event]: ...

    def close(self) -> None: ...


def channel(user_uuid: str) -> str:
    return f"cruddur:events:{user_uuid}"
