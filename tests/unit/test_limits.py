"""The one rate-limit mechanism, on the in-process state with a fake clock."""

from __future__ import annotations

import contextlib
import random

import pytest

from cruddur.adapters.shared_state.local import LocalState
from cruddur.errors import TooManyAttempts
from cruddur.metrics import figures
from cruddur.services.limits import Limits, Rule


class Clock:
    def __init__(self) -> None:
        self.now = 999_960.0  # a whole number of minutes: windows start here

    def __call__(self) -> float:
        return self.now


def _limits(clock: Clock, state: LocalState | None = None, streams: int = 2) -> Limits:
    rules = {"send": Rule(3, 60, "slow down"), "stream_opens": Rule(100, 60, "wait")}
    return Limits(state or LocalState(clock=clock), rules, streams, clock=clock)


def test_a_window_allows_its_count_then_refuses_until_it_slides_past():
    clock = Clock()
    limits = _limits(clock)
    for _ in range(3):
        limits.hit("send", "ada")
    clock.now += 20
    with pytest.raises(TooManyAttempts) as refused:
        limits.hit("send", "ada")
    assert refused.value.message == "slow down"
    # The three still count in full until this window turns, then fade as the next one runs:
    # one more fits a third into it (and a second, against floating point).
    assert refused.value.retry_after == 61
    limits.hit("send", "bob")  # another subject has its own count
    clock.now += 59
    with pytest.raises(TooManyAttempts):
        limits.hit("send", "ada")
    clock.now += 2
    limits.hit("send", "ada")


def test_a_burst_on_both_sides_of_a_windows_turn_gets_the_limit_not_twice_it():
    clock = Clock()
    limits = _limits(clock)
    clock.now += 59
    for _ in range(3):
        limits.hit("send", "ada")
    clock.now += 2  # the next window
    with pytest.raises(TooManyAttempts):
        limits.hit("send", "ada")


def test_refused_requests_do_not_lengthen_the_wait():
    clock = Clock()
    limits, flooded = _limits(clock), _limits(Clock())
    flooded._clock = clock
    flooded.state = LocalState(clock=clock)
    for _ in range(3):
        limits.hit("send", "ada")
        flooded.hit("send", "ada")
    for _ in range(500):
        with pytest.raises(TooManyAttempts):
            flooded.hit("send", "ada")
    clock.now += 80
    limits.hit("send", "ada")
    flooded.hit("send", "ada")


@pytest.mark.parametrize("seed", range(20))
def test_retry_after_is_enough_and_at_most_a_window(seed):
    rng = random.Random(seed)
    clock = Clock()
    limits = _limits(clock)
    waits: list[int] = []
    for _ in range(60):
        clock.now += rng.choice([0, 0, 0.5, 3, 17, 41])
        try:
            limits.hit("send", "ada")
        except TooManyAttempts as refused:
            waits.append(refused.retry_after or 0)
            clock.now += waits[-1]
            limits.hit("send", "ada")  # waiting as told is enough
    assert waits
    assert all(1 <= wait <= 60 + 20 for wait in waits)  # a window and a count's share of it


def test_check_refuses_at_the_count_and_count_never_refuses():
    clock = Clock()
    limits = _limits(clock)
    for _ in range(5):
        limits.count("send", "ada", "203.0.113.5")
    with pytest.raises(TooManyAttempts):
        limits.check("send", "ada", "203.0.113.5")
    limits.check("send", "ada", "198.51.100.7")  # the pair, not the account


def test_streams_are_leased_and_released_and_stale_leases_lapse():
    clock = Clock()
    state = LocalState(clock=clock)
    limits = _limits(clock, state, streams=2)
    with (
        limits.stream("ada"),
        limits.stream("ada"),
        pytest.raises(TooManyAttempts, match="at most 2"),
        limits.stream("ada"),
    ):
        pass
    with limits.stream("ada"), limits.stream("ada"):  # both released above
        pass
    # A process that died holding a lease: it lapses after its time, renewals keep one alive.
    dead = limits.stream("ada")
    dead.__enter__()
    with limits.stream("ada") as renew:
        clock.now += 45
        renew()
        clock.now += 45
        with limits.stream("ada"):  # the dead one's lease ran out; the renewed one holds
            pass


def test_the_in_process_state_is_bounded_and_drops_expired_keys_first():
    clock = Clock()
    state = LocalState(clock=clock, size=3)
    state.incr("old", 1)
    clock.now += 2
    for key in ("a", "b", "c"):
        state.incr(key, 100)
    assert state.read("old")[0] == 0
    assert state.read("a", "b", "c") == [1, 1, 1]
    state.incr("d", 100)  # full of live keys: the least recently used goes
    assert state.read("a")[0] == 0
    assert state.read("d")[0] == 1


def test_every_refusal_is_counted_by_the_limit_that_refused_it():
    clock = Clock()
    limits = _limits(clock, streams=1)
    refusals = figures.RATE_LIMITED.labels
    before = {name: refusals(name)._value.get() for name in ("send", "streams_open")}
    for _ in range(5):
        with contextlib.suppress(TooManyAttempts):
            limits.hit("send", "u1")
    with contextlib.suppress(TooManyAttempts):
        limits.check("send", "u1")
    with limits.stream("u1"), contextlib.suppress(TooManyAttempts), limits.stream("u1"):
        pass

    assert refusals("send")._value.get() - before["send"] == 3  # two hits past 3, one check
    assert refusals("streams_open")._value.get() - before["streams_open"] == 1
