"""The shared state in Redis (REDIS_URL): every API process of a deployment sees the same counts.

Its own module so a process without REDIS_URL never imports redis-py (about 19 MB of RSS).
If Redis does not answer, limits fail open: see local.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

from cruddur.errors import Unavailable

log = logging.getLogger(__name__)


class RedisState:
    in_process = False

    def __init__(
        self, url: str, timeout: float = 0.5, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        # Wall-clock seconds, not monotonic: lease ends are compared across processes.
        self.clock = clock
        self._warned_at = 0.0

    def _failed(self, exc: Exception) -> None:
        if time.monotonic() - self._warned_at > 10:
            self._warned_at = time.monotonic()
            log.warning("Redis did not answer (%s): limits are not enforced meanwhile", exc)

    def incr(self, key: str, ttl: float, by: int = 1) -> int:
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.incrby(key, by)
            pipe.expire(key, max(1, int(ttl + 0.999)), nx=True)
            value, _ = pipe.execute()
            return int(value)
        except redis.RedisError as exc:
            self._failed(exc)
            return 0

    def read(self, *keys: str) -> list[int]:
        try:
            found = self._redis.mget(keys)
        except redis.RedisError as exc:
            raise Unavailable("the shared state (Redis) did not answer") from exc
        return [int(value) if value is not None else 0 for value in found]

    def window(self, key: str, previous: str, ttl: float, by: int) -> tuple[int, int]:
        try:
            pipe = self._redis.pipeline(transaction=True)
            if by:
                pipe.incrby(key, by)
                pipe.expire(key, max(1, int(ttl + 0.999)), nx=True)
            else:
                pipe.get(key)
            pipe.get(previous)
            found = pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)
            return 0, 0
        return int(found[0] or 0), int(found[-1] or 0)

    def flag(self, key: str, ttl: float) -> bool:
        try:
            self._redis.set(key, 1, ex=max(1, int(ttl + 0.999)))
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        return True

    def lease(self, key: str, holder: str, ttl: float, most: int) -> bool:
        # A sorted set of holders scored by when their lease ends: stale ones drop out even if
        # the process holding them died without releasing.
        now = self.clock()
        seconds = max(1, int(ttl + 0.999))
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {holder: now + ttl})
            pipe.zcard(key)
            # The set lives as long as its longest lease: a short lease taken after a long one
            # must not expire the long one with it (NX sets a first expiry, GT only extends).
            pipe.expire(key, seconds, nx=True)
            pipe.expire(key, seconds, gt=True)
            _, _, held, _, _ = pipe.execute()
            if int(held) <= most:
                return True
            self._redis.zrem(key, holder)
            return False
        except redis.RedisError as exc:
            self._failed(exc)
            return True

    def release(self, key: str, holder: str) -> None:
        try:
            self._redis.zrem(key, holder)
        except redis.RedisError as exc:
            self._failed(exc)

    def close(self) -> None:
        self._redis.close()
