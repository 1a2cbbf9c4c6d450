"""The retry policy on its own (no I/O, a clock the test moves): what is retried, how the waits
grow, when it gives up, what the quota charges. The wires' use of it: test_wire.py."""

from __future__ import annotations

import pytest

from cruddur.adapters.dynamodb.retry import (
    MAX_DELAY,
    NO_ANSWER_COST,
    QUOTA,
    RETRY_COST,
    Failure,
    RetryPolicy,
    RetryQuota,
    failure_of,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def policy(clock: Clock, quota: RetryQuota | None = None) -> RetryPolicy:
    # The largest wait each time: the test sees the backoff's ceiling.
    return RetryPolicy(quota or RetryQuota(), budget=5.0, clock=clock, jitter=lambda _, top: top)


def test_the_waits_double_to_their_ceiling_and_stop_at_the_budget():
    clock = Clock()
    attempts = policy(clock).start()
    waits = []
    while (wait := attempts.wait_after(Failure.THROTTLED)) is not None:
        waits.append(wait)
        clock.now += wait
    assert waits[:5] == [0.05, 0.1, 0.2, 0.4, 0.8]
    assert set(waits[5:]) == {MAX_DELAY}
    assert sum(waits) <= 5.0 < sum(waits) + MAX_DELAY


def test_a_final_refusal_is_never_retried_and_a_skew_once():
    attempts = policy(Clock()).start()
    assert attempts.wait_after(Failure.FINAL) is None
    assert attempts.wait_after(Failure.CLOCK_SKEW) == 0.0
    assert attempts.wait_after(Failure.CLOCK_SKEW) is None


def test_the_quota_charges_more_for_no_answer_and_refuses_when_spent():
    quota = RetryQuota(capacity=NO_ANSWER_COST + RETRY_COST)
    attempts = policy(Clock(), quota).start()
    assert attempts.wait_after(Failure.NO_ANSWER) is not None
    assert quota.available == RETRY_COST
    assert attempts.wait_after(Failure.TRANSIENT) is not None
    assert attempts.wait_after(Failure.TRANSIENT) is None  # spent: the failure stands
    attempts.succeeded()
    assert quota.available == NO_ANSWER_COST + RETRY_COST  # what it took, given back


def test_a_success_without_retries_refills_by_one_up_to_the_capacity():
    quota = RetryQuota()
    quota.available = QUOTA - 2
    for _ in range(3):
        policy(Clock(), quota).start().succeeded()
    assert quota.available == QUOTA


@pytest.mark.parametrize(
    ("code", "status", "skew", "kind"),
    [
        ("ThrottlingException", 400, None, Failure.THROTTLED),
        ("ProvisionedThroughputExceededException", 400, None, Failure.THROTTLED),
        ("InternalServerError", 500, None, Failure.TRANSIENT),
        ("HTTP 502", 502, None, Failure.TRANSIENT),
        ("InvalidSignatureException", 400, 900.0, Failure.CLOCK_SKEW),
        ("InvalidSignatureException", 400, -900.0, Failure.CLOCK_SKEW),
        ("InvalidSignatureException", 400, 2.0, Failure.FINAL),  # not the clock: a bad key
        ("InvalidSignatureException", 400, None, Failure.FINAL),
        ("ConditionalCheckFailedException", 400, 900.0, Failure.FINAL),
        ("ValidationException", 400, None, Failure.FINAL),
    ],
)
def test_what_each_answer_is(code, status, skew, kind):
    assert failure_of(code, status, skew) is kind
