"""The shared state on a real Redis (the session's), as two API processes would see it."""

from __future__ import annotations

import uuid

import pytest
import redis

from cruddur.adapters.shared_state.in_redis import RedisState
from cruddur.adapters.shared_state.local import LocalState
from cruddur.errors import TooManyAttempts
from cruddur.services.limits import Limits, Rule


def _expires_in_ms(redis_url, key: str) -> int:
    """Redis's own count of what is left of a key's life (-2: gone, -1: forever)."""
    raw = redis.Redis.from_url(redis_url)
    try:
        return int(raw.pttl(key))
    finally:
        raw.close()


def test_two_processes_share_one_count_and_keys_expire(redis_url):
    one, two = RedisState(redis_url), RedisState(redis_url)
    key = f"cruddur:test:{uuid.uuid4().hex}"
    assert [one.incr(key, 1), two.incr(key, 1), one.incr(key, 1)] == [1, 2, 3]
    assert two.read(key)[0] == 3
    # Expiry is Redis's clock, which a test cannot move: what it is asked for is checked instead
    # of waiting it out. The window started at the first hit, not renewed by later ones.
    assert 0 < _expires_in_ms(redis_url, key) <= 1000
    one.close()
    two.close()


def test_leases_are_shared_released_and_lapse(redis_url):
    now = [1_800_000_000.0]
    one = RedisState(redis_url, clock=lambda: now[0])
    two = RedisState(redis_url, clock=lambda: now[0])
    key = f"cruddur:test:{uuid.uuid4().hex}"
    assert one.lease(key, "a", 60, 2)
    assert two.lease(key, "b", 60, 2)
    assert not two.lease(key, "c", 60, 2)
    assert one.lease(key, "a", 60, 2)  # renewing a held lease is not a new one
    one.release(key, "a")
    assert two.lease(key, "c", 1, 2)
    assert not one.lease(key, "d", 60, 2)  # b and c hold it
    now[0] += 1.2
    assert one.lease(key, "d", 60, 2)  # c lapsed
    assert not two.lease(key, "e", 60, 2)  # b and d hold it
    one.close()
    two.close()


def test_a_short_lease_does_not_cut_a_long_one_short(redis_url):
    one = RedisState(redis_url)
    key = f"cruddur:test:{uuid.uuid4().hex}"
    assert one.lease(key, "long", 60, 2)
    assert one.lease(key, "short", 1, 2)
    assert _expires_in_ms(redis_url, key) > 50_000  # the long lease keeps the set alive
    one.release(key, "long")
    one.release(key, "short")
    one.close()


def test_limits_over_redis_refuse_across_processes(redis_url):
    rules = {"send": Rule(3, 60, "slow down")}
    one = Limits(RedisState(redis_url), rules, 1)
    two = Limits(RedisState(redis_url), rules, 1)
    user = str(uuid.uuid4())
    one.hit("send", user)
    two.hit("send", user)
    one.hit("send", user)
    with pytest.raises(TooManyAttempts):
        two.hit("send", user)
    one.state.close()
    two.state.close()


def test_an_unreachable_redis_fails_open_quickly(caplog):
    rules = {"send": Rule(1, 60, "x"), "stream_opens": Rule(1, 60, "x")}
    gone = Limits(RedisState("redis://127.0.0.1:9/0", timeout=0.2), rules, 1)
    for _ in range(5):
        gone.hit("send", "ada")  # past its limit of 1, yet let through: the state did not answer
    with gone.stream("ada"), gone.stream("ada"):
        pass
    # Quickly: each call waits at most the client's timeouts, not redis-py's defaults (none).
    pool = gone.state._redis.connection_pool  # type: ignore[attr-defined]
    assert pool.connection_kwargs["socket_timeout"] == 0.2
    assert pool.connection_kwargs["socket_connect_timeout"] == 0.2
    assert sum("limits are not enforced" in r.message for r in caplog.records) == 1  # not a flood
    gone.state.close()


@pytest.mark.parametrize("kind", ["redis", "local"])
def test_a_window_adds_to_one_count_and_reads_the_other_at_once(redis_url, kind):
    state = RedisState(redis_url) if kind == "redis" else LocalState()
    key, previous = (f"cruddur:test:{uuid.uuid4().hex}" for _ in range(2))
    state.incr(previous, 60, by=4)
    assert state.window(key, previous, 60, 1) == (1, 4)
    assert state.window(key, previous, 60, 1) == (2, 4)
    assert state.window(key, previous, 60, 0) == (2, 4)  # a look counts nothing
    nothing = f"cruddur:test:{uuid.uuid4().hex}"
    assert state.window(nothing, previous, 60, 0) == (0, 4)
    assert state.read(nothing)[0] == 0
    if kind == "redis":
        assert _expires_in_ms(redis_url, nothing) == -2  # a look made no key
        assert 0 < _expires_in_ms(redis_url, key) <= 60_000
    state.close()
