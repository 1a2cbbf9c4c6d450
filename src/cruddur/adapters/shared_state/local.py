"""The shared state (`services.ports.SharedState`) in this process: counters, flags and leases
that expire, for one machine and one process (`cruddur up`). With REDIS_URL it is Redis instead
(`in_redis.RedisState`: every process of a deployment sees the same counts). Both expire
every key, so nothing grows without bound, and the in-process one is also capped in size. Keys
hold no personal data: the callers hash what they count by.

If Redis does not answer, limits fail open (the request proceeds, a warning is logged at most
every few seconds): a cache outage must not take sign-in and sending down with it. `read` is
for callers that must fail closed instead (the deny-list): it raises `Unavailable`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

LOCAL_KEYS = 200_000  # ~40 MB at most; expired keys go first, then the least recently used


class LocalState:
    in_process = True

    def __init__(self, clock: Callable[[], float] = time.monotonic, size: int = LOCAL_KEYS) -> None:
        self._clock = clock
        self._size = size
        self._values: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._leases: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> int:
        entry = self._values.get(key)
        if entry is None or entry[0] <= self._clock():
            self._values.pop(key, None)
            return 0
        return entry[1]

    def _store(self, key: str, ttl: float, value: int) -> None:
        expires = self._values[key][0] if key in self._values else self._clock() + ttl
        self._values[key] = (expires, value)
        self._values.move_to_end(key)
        if len(self._values) > self._size:
            now = self._clock()
            for stale in [k for k, (at, _) in self._values.items() if at <= now]:
                del self._values[stale]
            while len(self._values) > self._size:
                self._values.popitem(last=False)

    def incr(self, key: str, ttl: float, by: int = 1) -> int:
        with self._lock:
            value = self._live(key) + by
            self._store(key, ttl, value)
            return value

    def read(self, *keys: str) -> list[int]:
        with self._lock:
            return [self._live(key) for key in keys]

    def window(self, key: str, previous: str, ttl: float, by: int) -> tuple[int, int]:
        with self._lock:
            value = self._live(key) + by
            if by:
                self._store(key, ttl, value)
            return value, self._live(previous)

    def flag(self, key: str, ttl: float) -> bool:
        with self._lock:
            self._values.pop(key, None)
            self._store(key, ttl, 1)
        return True

    def lease(self, key: str, holder: str, ttl: float, most: int) -> bool:
        with self._lock:
            now = self._clock()
            holders = self._leases.setdefault(key, {})
            for gone in [h for h, until in holders.items() if until <= now]:
                del holders[gone]
            if holder not in holders and len(holders) >= most:
                return False
            holders[holder] = now + ttl
            return True

    def release(self, key: str, holder: str) -> None:
        with self._lock:
            holders = self._leases.get(key, {})
            holders.pop(holder, None)
            if not holders:
                self._leases.pop(key, None)

    def close(self) -> None:
        pass
