"""Every rate limit of the system, one mechanism: sliding windows counted in the shared state.

A rule is "at most `count` per `seconds`" for one subject (a user, a client address, or the pair
(account, address) for failed sign-ins). Counted in Redis when REDIS_URL is set, so all API
processes share the counts; in-process otherwise. Past a limit: TooManyAttempts → 429 with
Retry-After (the seconds until one more would be allowed, at most a window).

The window slides: each fixed window's count is kept for two windows, and a request is judged
by this window's count plus the previous one's, weighted by how much of it still lies within
the last `seconds`. A refused request is taken back off the count: a flood does not lengthen
its own wait, and the limit is on what gets through. With fixed windows alone, a burst on both
sides of a window's turn got twice the limit through at once (`make attack` saw 300 sends
through a 150-a-minute limit).

Subjects are hashed into the keys: no handle, e-mail or address is stored in Redis. Live-event
streams are also bounded by how many one user holds open at once (a lease each, renewed while
the stream lives).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from cruddur.errors import TooManyAttempts
from cruddur.metrics import figures
from cruddur.services.ports.people import SharedState

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

    def _keys(self, name: str, subject: tuple[str, ...]) -> tuple[Rule, str, str, float]:
        """The rule, this window's key, the previous window's, and how far this one has run
        (0 to 1)."""
        rule = self.rules[name]
        now = self._clock()
        window, into = divmod(now, rule.seconds)
        digest = hashlib.sha256("\x00".join(subject).encode()).hexdigest()[:24]
        prefix = f"cruddur:limit:{name}:{digest}"
        return rule, f"{prefix}:{int(window)}", f"{prefix}:{int(window) - 1}", into / rule.seconds

    def hit(self, name: str, *subject: str, tally: bool = True) -> None:
        """Count one more; refused past the rule's count in the sliding window.

        A refusal is tallied in the refusals figure unless `tally` is false: for a caller that
        may still answer the request otherwise (a keyed retry's replay) and calls
        `tally_refusal` only once the refusal is its answer."""
        rule, key, previous_key, ran = self._keys(name, subject)
        current, previous = self.state.window(key, previous_key, 2 * rule.seconds, 1)
        if current == 0:  # the state did not answer: fail open (adapters/shared_state/local.py)
            return
        earlier = previous * (1.0 - ran)  # the part of the previous window still inside
        if earlier + current > rule.count:
            # Refused: not counted (another process may briefly see one too many, and refuse).
            self.state.incr(key, 2 * rule.seconds, by=-1)
            retry_after = _retry_after(rule, earlier, current - 1, ran)
            if tally:
                self.tally_refusal(name)
            raise TooManyAttempts(rule.says, retry_after=retry_after)

    async def take(self, name: str, *subject: str, tally: bool = True) -> None:
        """`hit`, from the event loop: in-process counts are counted right here; a Redis round
        trip runs on a thread, so a slow Redis never stalls the loop's other requests."""
        if self.state.in_process:
            self.hit(name, *subject, tally=tally)
        else:
            await asyncio.to_thread(self.hit, name, *subject, tally=tally)

    def tally_refusal(self, name: str) -> None:
        """One more request answered 429 by the limit `name` (the figure operators watch)."""
        figures.RATE_LIMITED.labels(name).inc()

    def check(self, name: str, *subject: str) -> None:
        """Refused if the sliding window's count has reached the rule's; counts nothing (see
        `count`)."""
        rule, key, previous_key, ran = self._keys(name, subject)
        current, previous = self.state.window(key, previous_key, 2 * rule.seconds, 0)
        earlier = previous * (1.0 - ran)
        if earlier + current >= rule.count:
            self.tally_refusal(name)
            raise TooManyAttempts(rule.says, retry_after=_retry_after(rule, earlier, current, ran))

    def count(self, name: str, *subject: str) -> None:
        """Count one more without refusing (a failure, refused by the next `check`)."""
        rule, key, _, _ = self._keys(name, subject)
        self.state.incr(key, 2 * rule.seconds)

    @contextmanager
    def stream(self, user_uuid: str) -> Iterator[Callable[[], None]]:
        """Hold one of the user's live-event streams; yields `renew`, to call while it lives."""
        self.hit("stream_opens", user_uuid)
        key = f"cruddur:streams:{hashlib.sha256(user_uuid.encode()).hexdigest()[:24]}"
        holder = uuid.uuid4().hex

        def renew() -> None:
            self.state.lease(key, holder, STREAM_LEASE_SECONDS, self.streams_per_user)

        if not self.state.lease(key, holder, STREAM_LEASE_SECONDS, self.streams_per_user):
            self.tally_refusal("streams_open")
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
    profile_lookups_per_minute: int = 60,
    uploads_per_hour: int = 100,
    exports_per_hour: int = 1,
    group_starts_per_hour: int = 20,
    members_added_per_hour: int = 200,
    push_subscriptions_per_hour: int = 20,
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
        "upload": Rule(uploads_per_hour, 3600, "too many uploads; try later"),
        "export": Rule(exports_per_hour, 3600, "you exported your data lately; try in an hour"),
        "group_start": Rule(
            group_starts_per_hour, 3600, "you started many groups lately; try later"
        ),
        "member_add": Rule(
            members_added_per_hour, 3600, "you added many people to groups lately; try later"
        ),
        "push_subscribe": Rule(
            push_subscriptions_per_hour, 3600, "too many push subscriptions lately; try later"
        ),
        # Public: without it, anyone could list who has an account by trying handles.
        "profile": Rule(
            profile_lookups_per_minute, 60, "too many profile lookups from this address; wait"
        ),
    }


def _retry_after(rule: Rule, earlier: float, current: int, ran: float) -> int:
    """Whole seconds until one more request fits, given what counts now: `earlier` (the
    previous window's weighted share) and `current` (this window's count). At most a window
    and a count's share of it: the requests that filled this window fade through the next."""
    room = rule.count - current - 1  # what the previous window's share must fall to
    if room >= 0 and earlier > 0:
        # Within this window: the previous window's weight falls as this one runs on.
        wait = (1.0 - ran) * (1.0 - room / earlier) * rule.seconds
    else:
        # After the turn: this window's count is the one that must fall.
        wait = (1.0 - ran) * rule.seconds + max(1, current + 1 - rule.count) / rule.count * (
            rule.seconds
        )
    # Strictly past the moment it fits: a tie read back in floating point may not fit.
    return max(1, min(math.floor(wait) + 1, rule.seconds + math.ceil(rule.seconds / rule.count)))
