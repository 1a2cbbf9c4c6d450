"""A keyed retry answered from its stored result (200) is a replay, not a refusal: the
rate-limit refusals figure counts only the sends that were answered 429."""

from __future__ import annotations

import hashlib

import pytest

from cruddur.adapters.shared_state.local import LocalState
from cruddur.domain.model import UserRef
from cruddur.errors import Blocked, TooManyAttempts
from cruddur.metrics import figures
from cruddur.services import blocking, sending
from cruddur.services.context import MessagingContext
from cruddur.services.limits import Limits, Rule
from cruddur.services.sending import Idempotency, post_message
from tests.fakes import FakeClaims, FakeDirectory, context
from tests.own_loop import run


def refusals() -> float:
    value: float = figures.RATE_LIMITED.labels("send")._value.get()
    return value


Talking = tuple[MessagingContext, FakeDirectory, UserRef, UserRef, str]


def talking(sends_per_minute: int) -> Talking:
    """Ada and Bob in a conversation (started without limits), then a send limit for Ada."""
    directory = FakeDirectory()
    ada, bob = directory.add("ada"), directory.add("bob")
    ctx = context()
    group = run(sending.start_conversation(ctx, ada, bob, "hello")).group_uuid
    rules = {"send": Rule(sends_per_minute, 60, "slow down"), "block": Rule(10, 3600, "later")}
    ctx.limits = Limits(LocalState(), rules, streams_per_user=1)
    return ctx, directory, ada, bob, group


def test_a_keyed_replay_past_the_send_limit_is_answered_and_not_counted_as_refused():
    ctx, directory, ada, _, group = talking(sends_per_minute=1)
    once = Idempotency(FakeClaims(), 3600, hashlib.sha256(b"fingerprints").digest())

    def send(text: str, key: str | None):
        return run(
            post_message(ctx, directory, ada, text, group_uuid=group, idempotency=once, key=key)
        )

    first = send("once", "k1")  # the minute's one send
    before = refusals()

    assert send("once", "k1") == first  # past the limit, but a replay: the first answer again
    assert refusals() == before

    with pytest.raises(TooManyAttempts):
        send("twice", "k2")  # a new key past the limit: refused, and counted once
    assert refusals() == before + 1
    with pytest.raises(TooManyAttempts):
        send("unkeyed", None)
    assert refusals() == before + 2


def test_a_keyed_replay_to_someone_who_blocked_since_is_answered_and_not_counted():
    ctx, directory, ada, bob, group = talking(sends_per_minute=100)
    once = Idempotency(FakeClaims(), 3600, hashlib.sha256(b"fingerprints").digest())
    first = run(
        post_message(ctx, directory, ada, "hi", group_uuid=group, idempotency=once, key="k")
    )
    run(blocking.block(ctx, bob, ada))
    before = refusals()

    again = run(
        post_message(ctx, directory, ada, "hi", group_uuid=group, idempotency=once, key="k")
    )

    assert again == first
    with pytest.raises(Blocked):
        run(post_message(ctx, directory, ada, "more", group_uuid=group))
    assert refusals() == before  # a block is no rate limit
