"""The local poller over DynamoDB Local's real stream: checkpoints, dead letters, crash safety."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
import types
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from cruddur.domain.model import InboxChange, Message, UserRef
from cruddur.errors import Unavailable
from cruddur.services import sending
from cruddur.stream import poller as poller_module
from cruddur.stream.processor import InboxWriter
from cruddur.stream.runner import build_poller, checkpoint_path
from tests.conftest import make_user
from tests.own_loop import run


def _stray(alice: UserRef, bob: UserRef, second: int) -> Message:
    """A message into a group nobody has an inbox row for: applying it can never succeed."""
    return Message(
        str(uuid.uuid4()),
        str(uuid.uuid4()),
        "lost",
        f"2026-01-01T00:00:{second:02d}.000000Z",
        alice,
        (alice.uuid, bob.uuid),
    )


def test_records_that_can_never_apply_are_dead_lettered_at_once_and_the_rest_flows(
    ctx, settings, store, alice, bob, inbox, monkeypatch
):
    # Defect (issue 14): such a record was retried as if transient, holding back every record
    # behind it on the shard, for each poisoned record in turn.
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    poisons = [_stray(alice, bob, second) for second in range(20)]
    for poison in poisons:
        run(store.put_message(poison))
    later = run(sending.send_message(ctx, bob, group, "still delivered"))
    poller = build_poller(settings.model_copy(update={"stream_max_attempts": 3}), inbox)
    backoffs: list[float] = []  # the waits the poller takes before retrying a failed record
    shim = types.SimpleNamespace(monotonic=time.monotonic, sleep=backoffs.append)
    monkeypatch.setattr(poller_module, "time", shim)  # the poller's clock; nobody else's
    while poller.poll_once():
        pass
    monkeypatch.undo()
    assert backoffs == []  # no retry, no back-off, for any of them
    row = run(store.get_inbox_row(alice.uuid, group))
    assert row is not None
    assert row.last_message_sk == later.sort_key
    entries = poller.dead_letters.entries()
    assert sorted(e["record"]["dynamodb"]["Keys"]["sk"]["S"] for e in entries) == sorted(
        p.sort_key for p in poisons
    )
    assert {e["reason"] for e in entries} == {"cannot be applied"}
    # Once the rest is checkpointed, a restarted poller neither retries the poison nor applies
    # anything again. It may re-read the records after the last one that changed something (the
    # inbox rows' own updates, which change nothing): their checkpoint waits (checkpoints.py).
    again = build_poller(settings, inbox)
    assert again.poll_once() <= 2  # at most the two rows' updates of the last message
    assert again.poll_once() == 0
    assert len(poller.dead_letters.entries()) == len(poisons)
    assert run(store.get_inbox_row(alice.uuid, group)) == row


class Flaky:
    """An inbox writer whose group `broken` fails as DynamoDB does when it throttles."""

    def __init__(self, inbox: InboxWriter, broken: str) -> None:
        self.inbox, self.broken = inbox, broken

    def group_members(
        self, group_uuid: str, written_at: float | None
    ) -> list[tuple[str, str]] | None:
        return self.inbox.group_members(group_uuid, written_at)

    def apply_inbox_change(self, change: InboxChange) -> bool:
        if change.group_uuid == self.broken:
            raise Unavailable("DynamoDB refused the request (ThrottlingException)")
        return self.inbox.apply_inbox_change(change)

    def apply_inbox_changes(self, changes: Sequence[InboxChange]) -> int:
        return sum(self.apply_inbox_change(change) for change in changes)


def test_a_transient_failure_is_retried_then_dead_lettered(ctx, settings, store, alice, bob, inbox):
    group = run(sending.start_conversation(ctx, alice, bob, "hi")).group_uuid
    other = run(sending.start_conversation(ctx, bob, make_user("carl"), "hey")).group_uuid
    poller = build_poller(settings.model_copy(update={"stream_max_attempts": 3}), inbox)
    while poller.poll_once():
        pass
    stuck = run(sending.send_message(ctx, bob, group, "throttled"))
    flowing = run(sending.send_message(ctx, bob, other, "meanwhile"))
    poller.inbox = Flaky(inbox, group)
    polls = 0
    while not poller.dead_letters.entries():
        polls += 1
        assert polls <= 10, "the failing record was never dead-lettered"
        poller.poll_once()
        row = run(store.get_inbox_row(bob.uuid, other))
        assert row is not None
        assert row.last_message_sk == flowing.sort_key  # the other group flows meanwhile
    assert polls == 3
    [entry] = poller.dead_letters.entries()
    assert entry["reason"] == "failed 3 times"
    assert entry["record"]["dynamodb"]["Keys"]["sk"]["S"] == stuck.sort_key


def test_sigkill_mid_batch_then_restart_leaves_every_inbox_correct(ctx, settings, store, alice):
    # Write everything first so the poller meets one long backlog, then kill it while it applies.
    # Each friend's two messages in turn (the first on May 1, the second on May 2), ten friends
    # at a time: the same backlog as one friend after another, written in about three quarters
    # of the time (and of DynamoDB Local's CPU).
    first_day = dataclasses.replace(ctx, clock=lambda: datetime(2026, 5, 1, tzinfo=UTC))
    next_day = dataclasses.replace(ctx, clock=lambda: datetime(2026, 5, 2, tzinfo=UTC))
    friends = [make_user(f"f{i}") for i in range(300)]

    async def converse(friend: UserRef) -> Message:
        group = (await sending.start_conversation(first_day, alice, friend, "first")).group_uuid
        return await sending.send_message(next_day, alice, group, "second")

    async def converse_with(some: list[UserRef]) -> list[Message]:
        return list(await asyncio.gather(*(converse(friend) for friend in some)))

    sent = [
        m for at in range(0, len(friends), 10) for m in run(converse_with(friends[at : at + 10]))
    ]

    def updated(i: int) -> bool:
        row = run(store.get_inbox_row(friends[i].uuid, sent[i].group_uuid))
        return row is not None and row.last_message_sk == sent[i].sort_key

    command = [
        sys.executable,
        "-m",
        "cruddur",
        "--log-level",
        "WARNING",
        "stream",
        "run",
        "--endpoint-url",
        settings.aws_endpoint_url,
        "--table",
        settings.table_name,
        "--data-dir",
        str(settings.data_dir),
    ]
    first = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not updated(0):
            assert time.monotonic() < deadline, "the poller never applied anything"
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        first.kill()
        first.wait()
    done_at_kill = sum(updated(i) for i in range(len(friends)))
    assert done_at_kill < len(friends), "killed too late to be mid-batch"

    second = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not all(updated(i) for i in range(len(friends) - 1, -1, -1)):
            assert time.monotonic() < deadline, "the restarted poller did not catch up"
            time.sleep(0.2)
    finally:
        second.terminate()
        assert second.wait(timeout=20) == 0  # SIGTERM is a clean stop
    for friend, message in zip(friends, sent, strict=True):
        mine = run(store.get_inbox_row(alice.uuid, message.group_uuid))
        theirs = run(store.get_inbox_row(friend.uuid, message.group_uuid))
        assert mine is not None
        assert theirs is not None
        assert mine.last_message_sk == theirs.last_message_sk == message.sort_key
        assert (mine.unread_count, theirs.unread_count) == (0, 2)
    assert checkpoint_path(settings.data_dir).exists()
