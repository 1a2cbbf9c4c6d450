"""What the awaited use cases must never do on the event loop: a network round trip to Redis
(limits, live events) or the data-key lookup before sealing. In-process work stays on the loop
(a thread hop per send is what the async path removed)."""

from __future__ import annotations

import threading

from cruddur.adapters.dynamodb import reads
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.async_wire import AsyncWire
from cruddur.adapters.dynamodb.wire import DYNAMODB, Endpoint
from cruddur.adapters.shared_state.local import LocalState
from cruddur.domain.model import UserRef
from cruddur.live_events.hub import Event
from cruddur.services import context
from cruddur.services.limits import Limits, Rule
from tests.fakes import ClearSealer
from tests.fakes import context as fake_context
from tests.own_loop import run

ADA = UserRef("0f8e0c52-0000-4000-8000-000000000001", "ada", "Ada")


class RecordingState(LocalState):
    """LocalState's counts, saying whether it is a network round trip; records where it ran."""

    def __init__(self, in_process: bool) -> None:
        super().__init__()
        self.in_process = in_process
        self.threads: list[int] = []

    def window(self, key: str, previous: str, ttl: float, by: int) -> tuple[int, int]:
        self.threads.append(threading.get_ident())
        return super().window(key, previous, ttl, by)


async def _loop_thread() -> int:
    return threading.get_ident()


def test_a_remote_count_runs_on_a_thread_an_in_process_one_on_the_loop():
    loop_thread = run(_loop_thread())
    for in_process in (False, True):
        state = RecordingState(in_process)
        limits = Limits(state, {"send": Rule(5, 60, "slow down")}, 1)
        run(limits.take("send", ADA.uuid))
        (thread,) = state.threads
        assert (thread == loop_thread) is in_process


class Publisher:
    def __init__(self, in_process: bool) -> None:
        self.in_process = in_process
        self.seen: list[tuple[int, str, Event]] = []

    def publish(self, user_uuid: str, event: Event) -> None:
        self.seen.append((threading.get_ident(), user_uuid, event))


def test_a_remote_publish_runs_on_a_thread_an_in_process_one_on_the_loop():
    loop_thread = run(_loop_thread())
    for in_process in (False, True):
        ctx = fake_context()
        ctx.events = Publisher(in_process)
        run(context.publish(ctx, ADA.uuid, {"type": "inbox"}))
        assert isinstance(ctx.events, Publisher)
        ((thread, user, event),) = ctx.events.seen
        assert (user, event) == (ADA.uuid, {"type": "inbox"})
        assert (thread == loop_thread) is in_process


class Sealer(ClearSealer):
    """A clear sealer whose key is not ready until prepared, noting the thread that prepares."""

    def __init__(self, ready: bool) -> None:
        self.ready = ready
        self.prepared_on: list[int] = []

    def sealing_ready(self, author: str | None = None) -> bool:
        return self.ready

    def prepare_sealing(self, author: str | None = None) -> None:
        self.prepared_on.append(threading.get_ident())
        self.ready = True


def test_the_sealing_key_is_looked_up_on_a_thread_only_when_due():
    loop_thread = run(_loop_thread())
    sealer = Sealer(ready=False)
    wire = AsyncWire(Endpoint.of(DYNAMODB, "us-east-1", "http://127.0.0.1:9"), None)
    table = AsyncTable(wire, "t", sealer)
    run(table.ready_to_seal())
    run(table.ready_to_seal())  # fresh now: nothing more to do
    assert len(sealer.prepared_on) == 1
    assert sealer.prepared_on[0] != loop_thread


def test_the_keys_of_every_sealed_value_in_an_answer_are_found():
    sealed = {"message": {"B": b"m"}, "preview": {"B": b"p"}}
    row = {"last_message": {"B": b"r"}}
    assert reads.sealed_values({"Items": [sealed, row]}) == [b"m", b"p", b"r"]
    assert reads.sealed_values({"Item": row}) == [b"r"]
    # An update's new values (an edit answers with the message as changed).
    assert reads.sealed_values({"Attributes": sealed}) == [b"m", b"p"]
    assert reads.sealed_values({}) == []
