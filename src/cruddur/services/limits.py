"""Every rate limit of the system, one mechanism: fixed windows counted in the shared state.

A rule is "at most `count` per `seconds`" for one subject (a user, a client address, or the pair
(account, address) for failed sign-ins). Counted in Redis when REDIS_URL is set, so all API
processes share the counts; in-process otherwise. Past a limit: TooManyAttempts → 429 with
Retry-After (the seconds until the window turns). Subjects are hashed into the keys: no handle,
e-mail or address is stored in Redis. Live-event streams are also bounded by how many one user
holds open at once (a lease each, renewed while the stream lives).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from cruddur.adapters.shared_state import SharedState, new_holder
from cruddur.errors import TooManyAttempts

STREAM_LEASE_SECONDS = 60.0  # a stream renews its lease at every keep-alive (15 s)


@dataclass(frozen=True)
class Rule:
    count: int
    seconds: int
    says: str  # what the 429 tells the client


class Limits:
    def __init__(
        self,
        state: SharedState,
        rules: Mapping[str, Rule],
        streams_per_user: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.rules = dict(rules)
        self.streams_per_user = streams_per_user
        self._clock = clock

    def _key(self, name: str, subject: tuple[str, ...]) -> tuple[str, Rule, int]:
        rule = self.rules[name]
        now = self._clock()
        window = int(now // rule.seconds)
        digest = hashlib.sha256("\x00".join(subject).encode()).hexdigest()[:24]
        retry_after = max(1, int((window + 1) * rule.seconds - now + 0.999))
        return f"cruddur:limit:{name}:{digest}:{window}", rule, retry_after

    def hit(self, name: str, *subject: str) -> None:
        """Count one more; refused past the rule's count in this window."""
        key, rule, retry_after = self._key(name, subject)
        if self.state.incr(key, rule.seconds) > rule.count:
            raise TooManyAttempts(rule.says, retry_after=retry_after)

    def check(self, name: str, *subject: str) -> None:
        """Refused if the window's count is already reached; counts nothing (see `count`)."""
        key, rule, retry_after = self._key(name, subject)
        if self.state.get(key) >= rule.count:
            raise TooManyAttempts(rule.says, retry_after=retry_after)

    def count(self, name: str, *subject: str) -> None:
        """Count one more without refusing (a failure, refused by the next `check`)."""
        key, rule, _ = self._key(name, subject)
        self.state.incr(key, rule.seconds)

    @contextmanager
    def stream(self, user_uuid: str) -> Iterator[Callable[[], None]]:
        """Hold one of the user's live-event streams; yields `renew`, to call while it lives."""
        self.hit("stream_opens", user_uuid)
        key = f"cruddur:streams:{hashlib.sha256(user_uuid.encode()).hexdigest()[:24]}"
        holder = new_holder()

        def renew() -> None:
            self.state.lease(key, holder, STREAM_LEASE_SECONDS, self.streams_per_user)

        if not self.state.lease(key, holder, STREAM_LEASE_SECONDS, self.streams_per_user):
            raise TooManyAttempts(
                f"at most {self.streams_per_user} live-update connections at once; close one",
                retry_after=int(STREAM_LEASE_SECONDS),
            )
        try:
            yield renew
        finally:
            self.state.release(key, holder)


def rules_from(
    send_per_minute: int,
    signups_per_hour: int,
    typing_per_minute: int,
    blocks_per_hour: int,
    login_failures_per_15_minutes: int,
    logins_per_address_per_15_minutes: int,
    stream_opens_per_minute: int,
) -> dict[str, Rule]:
    return {
        "send": Rule(send_per_minute, 60, "you are sending too fast; wait a moment"),
        "typing": Rule(typing_per_minute, 60, "too many typing notices; wait a moment"),
        "block": Rule(blocks_per_hour, 3600, "too many blocks and unblocks; try later"),
        "signup": Rule(signups_per_hour, 3600, "too many sign-ups from this address; try later"),
        "login_failures": Rule(
            login_failures_per_15_minutes,
            900,
            "too many failed sign-ins for this account from here; wait a few minutes",
        ),
        "login": Rule(
            logins_per_address_per_15_minutes, 900, "too many sign-ins from this address; wait"
        ),
        "stream_opens": Rule(
            stream_opens_per_minute, 60, "too many live-update connections opened; wait a moment"
        ),
    }
