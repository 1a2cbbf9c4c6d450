"""The API's store on the awaited wire, against DynamoDB Local: pages walk the conversation and
the inbox in order, and failures become typed errors quickly instead of hanging or leaking."""

from __future__ import annotations

import asyncio

import pytest

from cruddur.adapters.dynamodb.retry import QUOTA, RetryPolicy
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.domain.model import UserRef
from cruddur.errors import Invalid, Unavailable
from cruddur.local.dynamodb_local import free_port
from cruddur.services import sending
from cruddur.services.context import MessagingContext
from tests.conftest import NewStore
from tests.integration.helpers import drain
from tests.own_loop import in_own_thread, run


def test_pages_walk_the_conversation_and_the_inbox(
    settings: Settings,
    store: ConversationTable,
    ctx: MessagingContext,
    alice: UserRef,
    bob: UserRef,
    inbox: InboxUpdates,
):
    first = run(sending.start_conversation(ctx, alice, bob, "hello"))
    group = first.group_uuid
    for index in range(24):
        sender = bob if index % 3 else alice
        run(sending.send_message(ctx, sender, group, f"message {index}"))
    for index in range(3):
        run(sending.start_conversation(ctx, alice, UserRef(f"{index}" * 8, f"u{index}", "U"), "hi"))
    drain(settings, inbox)  # the inbox rows, with unread sets, from the stream

    page1, after1 = run(store.query_messages(group, 10))
    page2, after2 = run(store.query_messages(group, 10, after1))
    page3, after3 = run(store.query_messages(group, 10, after2))
    assert [len(page1), len(page2), len(page3)] == [10, 10, 5]
    assert after1 is not None
    assert after2 is not None
    assert after3 is None
    texts = [m.text for m in page1 + page2 + page3]
    assert texts == [f"message {i}" for i in reversed(range(24))] + ["hello"]  # newest first

    rows, more = run(store.query_inbox(bob.uuid, 2))
    assert [row.group_uuid for row in rows] == [group]
    assert more is None
    rows, more = run(store.query_inbox(alice.uuid, 2))
    rest, end = run(store.query_inbox(alice.uuid, 2, more))
    assert len(rows) == len(rest) == 2
    assert end is None
    assert len({row.group_uuid for row in rows + rest}) == 4
    row = run(store.get_inbox_row(bob.uuid, group))
    # Binary sets come back base64 on the wire: bob's unread set holds alice's 9 messages.
    assert row is not None
    assert row.unread_count == 9
    assert run(store.get_inbox_row(bob.uuid, "0" * 8)) is None


def test_the_table_missing_and_bad_requests_are_typed_errors(
    settings: Settings, store: ConversationTable, new_store: NewStore
):
    stores: list[ConversationTable] = []

    def query(table: str) -> object:
        stores.append(new_store(settings.model_copy(update={"table_name": table})))
        return run(stores[-1].query_inbox("someone", 5))

    with pytest.raises(Unavailable, match="does not exist") as missing:
        query("cruddur-no-such-table")
    assert missing.value.code == "table_missing"
    with pytest.raises(Invalid):  # a name DynamoDB refuses (ValidationException)
        query("x")
    # Neither was retried: a retry draws on the wire's quota, and each success gives back.
    assert [s.table.wire.policy.quota.available for s in stores] == [QUOTA, QUOTA]


def test_an_unreachable_endpoint_is_unavailable_after_the_retries(
    settings: Settings, new_store: NewStore
):
    nowhere = settings.model_copy(update={"aws_endpoint_url": f"http://127.0.0.1:{free_port()}"})
    store = new_store(nowhere)
    store.table.wire.policy = policy = RetryPolicy(budget=0.5)
    with pytest.raises(Unavailable, match="did not answer"):
        run(store.query_inbox("someone", 5))
    assert policy.quota.available < QUOTA  # it retried before it gave up


def test_no_credentials_fail_at_once_as_unavailable(store: ConversationTable):
    store.table.wire.credentials = None
    store.table.wire.policy = policy = RetryPolicy(jitter=lambda *_: pytest.fail("a retry"))
    with pytest.raises(Unavailable, match="credentials"):
        run(store.query_inbox("x", 5))
    assert policy.quota.available == QUOTA  # not retried: no credentials will not change


def test_a_store_open_in_one_loop_is_closed_there_before_another_uses_it(store: ConversationTable):
    run(store.query_inbox("someone", 5))  # open on the tests' loop
    with pytest.raises(RuntimeError, match="another event loop"):
        in_own_thread(lambda: asyncio.run(store.query_inbox("someone", 5)))
    run(store.close())
    reopened = in_own_thread(lambda: asyncio.run(_inbox_then_close(store)))
    assert reopened == ([], None)  # in the new loop


async def _inbox_then_close(store: ConversationTable) -> object:
    try:
        return await store.query_inbox("someone", 5)
    finally:
        await store.close()
