"""The API's page reads on the async wire, against DynamoDB Local: the same pages as the store's
blocking reads, and failures that become typed errors quickly instead of hanging or leaking."""

from __future__ import annotations

import time

import pytest

from cruddur import bootstrap
from cruddur.adapters import dynamo_async
from cruddur.adapters.capacity import CapacityMeter
from cruddur.adapters.dynamo_async import AsyncReads
from cruddur.adapters.dynamo_store import DynamoStore
from cruddur.adapters.dynamo_wire import DYNAMODB, Endpoint
from cruddur.config import Settings
from cruddur.domain.model import UserRef
from cruddur.errors import Invalid, Unavailable
from cruddur.local.dynamodb_local import free_port
from cruddur.services import messaging
from cruddur.services.context import MessagingContext
from tests.integration.helpers import drain
from tests.own_loop import run


def test_pages_equal_the_stores_pages(
    settings: Settings, store: DynamoStore, ctx: MessagingContext, alice: UserRef, bob: UserRef
):
    first = messaging.start_conversation(ctx, alice, bob, "hello")
    group = first.group_uuid
    for index in range(24):
        sender = bob if index % 3 else alice
        messaging.send_message(ctx, sender, group, f"message {index}")
    for index in range(3):
        messaging.start_conversation(ctx, alice, UserRef(f"{index}" * 8, f"u{index}", "U"), "hi")
    drain(settings, store.inbox)  # the inbox rows, with unread sets, from the stream

    async def read_all() -> tuple[object, ...]:
        async with bootstrap.async_reads(settings, CapacityMeter(), store.sealer) as reads:
            page1 = await reads.query_messages(group, 10)
            page2 = await reads.query_messages(group, 10, page1[1])
            inbox = await reads.query_inbox(bob.uuid, 2)
            inbox_rest = await reads.query_inbox(bob.uuid, 2, inbox[1])
            row = await reads.get_inbox_row(bob.uuid, group)
            missing = await reads.get_inbox_row(bob.uuid, "0" * 8)
            return page1, page2, inbox, inbox_rest, row, missing

    page1, page2, inbox, inbox_rest, row, missing = run(read_all)
    assert page1 == store.query_messages(group, 10)
    assert page2 == store.query_messages(group, 10, store.query_messages(group, 10)[1])
    assert len(page1[0]) == len(page2[0]) == 10
    assert page1[1] is not None
    assert inbox == store.query_inbox(bob.uuid, 2)
    assert inbox_rest == store.query_inbox(bob.uuid, 2, store.query_inbox(bob.uuid, 2)[1])
    assert row == store.get_inbox_row(bob.uuid, group)
    # Binary sets come back base64 on the wire: counted the same as boto3's bytes.
    assert row is not None
    assert row.unread_count == 9
    assert missing is None


def test_the_table_missing_and_bad_requests_are_typed_errors(
    settings: Settings, store: DynamoStore
):
    async def query(table: str) -> object:
        async with bootstrap.async_reads(settings, CapacityMeter(), store.sealer) as reads:
            reads.name = table
            return await reads.query_inbox("someone", 5)

    started = time.monotonic()
    with pytest.raises(Unavailable, match="does not exist") as missing:
        run(lambda: query("cruddur-no-such-table"))
    assert missing.value.code == "table_missing"
    with pytest.raises(Invalid):  # a name DynamoDB refuses (ValidationException)
        run(lambda: query("x"))
    assert time.monotonic() - started < 3  # neither is retried


def test_an_unreachable_endpoint_is_unavailable_after_the_retries(settings: Settings):
    nowhere = settings.model_copy(update={"aws_endpoint_url": f"http://127.0.0.1:{free_port()}"})

    async def query() -> object:
        async with bootstrap.async_reads(
            nowhere, CapacityMeter(), bootstrap.build_sealer(nowhere)
        ) as reads:
            return await reads.query_inbox("someone", 5)

    started = time.monotonic()
    with pytest.raises(Unavailable, match="did not answer"):
        run(query)
    assert 4 < time.monotonic() - started < 15  # retried for its few seconds, then gave up


def test_no_credentials_fail_at_once_as_unavailable(settings: Settings, store: DynamoStore):
    assert settings.aws_endpoint_url is not None

    async def query() -> object:
        async with dynamo_async.session() as session:
            endpoint = Endpoint.of(DYNAMODB, "us-east-1", settings.aws_endpoint_url)
            wire = dynamo_async.AsyncWire(endpoint, None, session)
            reads = AsyncReads(wire, store.table.name, CapacityMeter(), store.sealer)
            return await reads.query_inbox("x", 5)

    started = time.monotonic()
    with pytest.raises(Unavailable):
        run(query)
    assert time.monotonic() - started < 2  # not retried: no credentials will not change
