"""The pins item sits at the top of the owner's inbox index, so the first inbox page is one
Query (and, for someone who pinned, one BatchGetItem of those rows); a pins item written where
it lived before is moved on the owner's first read, once per process. On DynamoDB Local, every
call counted at a proxy in front of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cruddur import bootstrap, storage
from cruddur.adapters.dynamodb.attributes import (
    ARCHIVED_UPTO,
    HIDDEN,
    LAST_MESSAGE_AT,
    MUTED,
    PINNED_AT,
    PINNED_GROUPS,
    to_attrs,
)
from cruddur.adapters.dynamodb.stores.account_data import AccountData
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.config import Settings
from cruddur.domain import keys
from cruddur.domain.model import InboxChoices, UserRef
from cruddur.local.dynamodb_local import DynamoDBLocal
from cruddur.services import inbox as inbox_service
from cruddur.services import sending
from cruddur.services.context import MessagingContext
from tests.conftest import fresh_store, make_user
from tests.integration.helpers import drain
from tests.own_loop import run
from tests.wire_recorder import Call, Recorder, recording


@pytest.fixture
def wire(dynamodb_local: DynamoDBLocal) -> Iterator[Recorder]:
    with recording(dynamodb_local.endpoint_url) as recorder:
        yield recorder


@pytest.fixture
def proxied(settings: Settings, wire: Recorder) -> Iterator[tuple[Settings, ConversationTable]]:
    through = settings.model_copy(update={"aws_endpoint_url": wire.url})
    with fresh_store(through) as store:
        yield through, store


def _actions(calls: list[Call]) -> list[str]:
    return [call.action.removeprefix("dynamodb:") for call in calls]


def _conversations(
    settings: Settings, store: ConversationTable, ctx: MessagingContext, owner: UserRef, count: int
) -> list[str]:
    groups = [
        run(sending.start_conversation(ctx, make_user(f"other{n}"), owner, "hi")).group_uuid
        for n in range(count)
    ]
    drain(settings, InboxUpdates(storage.build_table(settings)))
    return groups


def test_the_first_page_is_one_query_and_pinned_rows_one_batch_get(
    proxied: tuple[Settings, ConversationTable], wire: Recorder
):
    settings, store = proxied
    ctx = bootstrap.build_messaging(settings, store)
    ada = make_user("ada")
    groups = _conversations(settings, store, ctx, ada, 4)
    wire.take()

    page = run(inbox_service.list_inbox(ctx, ada.uuid, 3))
    # Never pinned: the one look where pins lived before, then never again in this process.
    assert _actions(wire.take()) == ["Query", "GetItem"]
    assert [row.group_uuid for row in page.items] == groups[::-1][:3]
    run(inbox_service.list_inbox(ctx, ada.uuid, 3))
    assert _actions(wire.take()) == ["Query"]

    run(inbox_service.set_inbox_choices(ctx, ada.uuid, groups[0], InboxChoices(pinned=True)))
    wire.take()
    page = run(inbox_service.list_inbox(ctx, ada.uuid, 20))
    assert _actions(wire.take()) == ["Query", "BatchGetItem"]
    assert [row.group_uuid for row in page.items] == [groups[0], groups[3], groups[2], groups[1]]
    assert page.items[0].pinned


# The inbox view's filter as the release before the pins item moved wrote it (at 08f86a5).
OLD_INBOX_VIEW = (
    f"attribute_not_exists({HIDDEN}) AND attribute_not_exists({PINNED_AT}) AND NOT "
    f"(attribute_exists({ARCHIVED_UPTO}) AND (attribute_exists({MUTED}) OR {ARCHIVED_UPTO} >= "
    f"{LAST_MESSAGE_AT}))"
)


def test_both_releases_read_the_pins_a_rolling_deployment_writes(
    proxied: tuple[Settings, ConversationTable], new_store
):
    settings, store = proxied
    ctx = bootstrap.build_messaging(settings, store)
    ada = make_user("ada")
    groups = _conversations(settings, store, ctx, ada, 3)
    run(inbox_service.set_inbox_choices(ctx, ada.uuid, groups[0], InboxChoices(pinned=True)))
    table = store.table
    # The older release: its inbox query never meets the new item, its pins item is current.
    old_view = {
        "TableName": table.name,
        "IndexName": keys.INBOX_INDEX,
        "KeyConditionExpression": "pk = :pk",
        "FilterExpression": OLD_INBOX_VIEW,
        "ExpressionAttributeValues": {":pk": {"S": keys.inbox_pk(ada.uuid)}},
        "ScanIndexForward": False,
    }
    seen = run(table.call("Query", old_view))["Items"]
    assert [item["sk"]["S"] for item in seen] == [
        f"{keys.INBOX_PREFIX}{g}" for g in (groups[2], groups[1])
    ]
    legacy = run(table.get(keys.legacy_pins_key(ada.uuid)))
    assert legacy is not None
    assert legacy[PINNED_GROUPS]["SS"] == [groups[0]]

    # A pin the older release wrote (only at the old key) shows in this one's first page.
    run(inbox_service.set_inbox_choices(ctx, ada.uuid, groups[1], InboxChoices(pinned=True)))
    only_old = {"TableName": table.name, "Key": to_attrs(keys.pins_key(ada.uuid))}
    only_old |= {
        "UpdateExpression": f"DELETE {PINNED_GROUPS} :g",
        "ExpressionAttributeValues": {":g": {"SS": [groups[1]]}},
    }
    run(table.call("UpdateItem", only_old))
    later = new_store(settings)  # a process that has not read the old key yet
    page = run(inbox_service.list_inbox(bootstrap.build_messaging(settings, later), ada.uuid, 3))
    assert [row.group_uuid for row in page.items] == [groups[1], groups[0], groups[2]]
    assert [row.pinned for row in page.items] == [True, True, False]

    # An unpin reaches both; a group an item still lists is not shown pinned once its row is not.
    run(inbox_service.set_inbox_choices(ctx, ada.uuid, groups[0], InboxChoices(pinned=False)))
    page = run(inbox_service.list_inbox(ctx, ada.uuid, 3))
    assert [row.pinned for row in page.items] == [True, False, False]
    legacy = run(table.get(keys.legacy_pins_key(ada.uuid)))
    assert legacy is not None
    assert groups[0] not in legacy[PINNED_GROUPS]["SS"]

    # Erasure takes the pins item at both keys.
    conversations = run(AccountData(table).conversations(ada.uuid))
    assert sorted(group for group, _ in conversations) == sorted(groups)  # rows only
    run(AccountData(table).forget(ada.uuid, conversations, "2026-12-07T00:00:00.000000+00:00"))
    assert run(table.get(keys.pins_key(ada.uuid))) is None
    assert run(table.get(keys.legacy_pins_key(ada.uuid))) is None
