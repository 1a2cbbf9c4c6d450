"""When a DynamoDB call is tried again, how long it waits first, and when it gives up: the one
retry policy of both wires (`wire.SyncWire`, `async_wire.AsyncWire`), with no I/O of its own —
each transport sleeps or awaits the waits it is given, as httpx layers one client policy over
its transports.

- Throttling, DynamoDB's 5xx answers, lost connections, timeouts and answers that fail their
  CRC32 are retried, with "full jitter" backoff from 50 ms doubling to at most 1 s a wait; no
  new try starts `RETRY_SECONDS` after the first (a DynamoDB restart, a burst of throttling).
- A clock-skew refusal is retried once, at once, after the wire corrected its clock from the
  answer's Date header.
- Retries draw on a quota shared by every call of the wire (botocore's "standard" mode does the
  same): a table that keeps throttling drains it, and calls are then tried once each instead of
  multiplying the load five-fold while it is least able to take it. Each success refills it.
"""

from __future__ import annotations

import enum
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RETRY_SECONDS = 5.0
BASE_DELAY = 0.05
MAX_DELAY = 1.0
# The quota, in botocore's units: a retry costs 5, one after a timeout or a lost connection 10
# (those may mean the service is overwhelmed), a success gives back what it cost or 1.
QUOTA = 500
RETRY_COST = 5
NO_ANSWER_COST = 10
SUCCESS_REFILL = 1

THROTTLING = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",  # streams: too many GetRecords at once
    }
)
TRANSIENT = frozenset({"InternalServerError", "ServiceUnavailable"})
# What AWS answers to a request signed with a clock minutes off (botocore's list).
CLOCK_SKEW = frozenset(
    {
        "RequestTimeTooSkewed",
        "RequestExpired",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "RequestInTheFuture",
    }
)
# A skew smaller than this is not what failed the signature (AWS allows 5 minutes).
SKEW_TOLERANCE = 60.0


class Failure(enum.Enum):
    THROTTLED = "throttled"
    TRANSIENT = "transient"  # a 5xx, or an answer whose CRC32 does not match its body
    NO_ANSWER = "no answer"  # refused, reset, timed out
    CLOCK_SKEW = "clock skew"
    FINAL = "final"  # a refusal that another try would get again


def failure_of(code: str, status: int, skew: float | None) -> Failure:
    """What kind of failure an error answer is; `skew`: the server's clock minus ours, when
    the answer said its time."""
    if code in THROTTLING:
        return Failure.THROTTLED
    if status >= 500 or code in TRANSIENT:
        return Failure.TRANSIENT
    if code in CLOCK_SKEW and skew is not None and abs(skew) > SKEW_TOLERANCE:
        return Failure.CLOCK_SKEW
    return Failure.FINAL


class RetryQuota:
    """Retries a wire may still make; thread-safe (the blocking wire is shared by threads)."""

    def __init__(self, capacity: int = QUOTA) -> None:
        self.capacity = capacity
        self.available = capacity
        self._lock = threading.Lock()

    def take(self, cost: int) -> bool:
        with self._lock:
            if cost > self.available:
                return False
            self.available -= cost
            return True

    def give_back(self, amount: int) -> None:
        with self._lock:
            self.available = min(self.capacity, self.available + amount)


@dataclass
class RetryPolicy:
    quota: RetryQuota = field(default_factory=RetryQuota)
    budget: float = RETRY_SECONDS
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[float, float], float] = random.uniform

    def start(self) -> Attempts:
        """The retry state of one call."""
        return Attempts(self, self.clock())


class Attempts:
    def __init__(self, policy: RetryPolicy, started: float) -> None:
        self.policy = policy
        self.started = started
        self.retries = 0
        self._taken = 0
        self._skew_corrected = False

    def wait_after(self, failure: Failure) -> float | None:
        """Seconds to wait before the next try; None: give up, the failure stands."""
        policy = self.policy
        if failure is Failure.FINAL:
            return None
        if failure is Failure.CLOCK_SKEW:
            if self._skew_corrected:
                return None
            self._skew_corrected = True
            return 0.0
        cap = min(MAX_DELAY, BASE_DELAY * 2**self.retries)
        wait = policy.jitter(0, cap)
        if policy.clock() + wait - self.started > policy.budget:
            return None
        cost = NO_ANSWER_COST if failure is Failure.NO_ANSWER else RETRY_COST
        if not policy.quota.take(cost):
            return None
        self._taken += cost
        self.retries += 1
        return wait

    def succeeded(self) -> None:
        self.policy.quota.give_back(self._taken or SUCCESS_REFILL)
