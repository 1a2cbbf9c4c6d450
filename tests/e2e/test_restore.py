"""A backup restored under another table name opens (DynamoDB restores only into a new name):
the data keys are bound to the data set, not to the table's name. A key wrapped for another
data set still does not open."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from click.testing import CliRunner

from cruddur import storage
from cruddur.adapters.crypto.envelope import Envelope
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.data_keys import DataKeys
from cruddur.cli import main
from cruddur.config import Settings
from cruddur.domain import keys
from cruddur.errors import Unreadable
from tests.boto import client_of, control_of
from tests.e2e.conftest import Api, Member, eventually, running
from tests.own_loop import in_own_thread

TEXTS = [f"note {n}: the lighthouse at dawn, é ü 😀 {'x' * n}!" for n in range(0, 300, 25)]


def _restore_copy(store: ConversationTable, source: str) -> str:
    """Every item of `source` in a new table, as a point-in-time restore holds them."""
    client = client_of(store)
    name = f"restored-{uuid.uuid4().hex[:10]}"
    dynamo_schema.create_table(control_of(store), dynamo_schema.table_definition(name))
    for page in client.get_paginator("scan").paginate(TableName=source, ConsistentRead=True):
        for item in page["Items"]:
            client.put_item(TableName=name, Item=item)
    return name


def _conversation(api: Api, member: Member, group: str) -> list[str]:
    shown: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = api.http.get(f"/api/messages/{group}", params=params, headers=member.auth)
        assert page.status_code == 200, page.text
        shown = [m["message"] for m in page.json()] + shown
        cursor = page.headers.get("X-Next-Cursor")
        if cursor is None:
            return shown


def _inbox_says(api: Api, member: Member, group: str) -> int:
    rows = api.http.get("/api/message_groups", headers=member.auth).json()
    if not rows or rows[0]["uuid"] != group:
        return 0
    return len(_conversation(api, member, group)) if rows[0]["message"] else 0


def test_a_table_restored_under_another_name_reads_every_message_through_the_api(
    api: Api, settings: Settings, store: ConversationTable
):
    ada, bo = api.signup(), api.signup()
    group = api.send(ada, handle=bo.handle, message=TEXTS[0])["message_group_uuid"]
    for n, text in enumerate(TEXTS[1:]):
        api.send(bo if n % 2 else ada, message_group_uuid=group, message=text)
    eventually(lambda: _inbox_says(api, ada, group) == _inbox_says(api, bo, group) == len(TEXTS))
    restored = _restore_copy(store, settings.table_name)
    try:
        with running(settings, store, table_name=restored) as copy:
            assert _conversation(copy, ada, group) == TEXTS
            assert _conversation(copy, bo, group) == TEXTS
            for member, other in ((ada, bo), (bo, ada)):
                (row,) = copy.http.get("/api/message_groups", headers=member.auth).json()
                assert row["handle"] == other.handle
                assert row["message"]  # the preview, sealed, opens
        # The operator's view of the restored copy opens too: no value is unreadable.
        scanned = in_own_thread(
            lambda: CliRunner().invoke(
                main,
                [
                    "ddb",
                    "scan",
                    "--decrypt",
                    "--endpoint-url",
                    str(settings.aws_endpoint_url),
                    "--table",
                    restored,
                    "--data-dir",
                    str(settings.data_dir),
                ],
                catch_exceptions=False,
            )
        )
        assert scanned.exit_code == 0, scanned.output
        assert "unreadable" not in scanned.output
        assert json.dumps(TEXTS[3]) in scanned.output
    finally:
        dynamo_schema.drop_table(control_of(store), restored)


def test_a_data_key_wrapped_for_another_data_set_does_not_open(
    api: Api, settings: Settings, store: ConversationTable
):
    ada, bo = api.signup(), api.signup()
    group = api.send(ada, handle=bo.handle, message="ours")["message_group_uuid"]
    # Another deployment (another data set) with the same wrapping key writes its generation
    # into our table, newest of all: our processes must not take it, nor open what it sealed.
    theirs = settings.model_copy(update={"data_set": "another-deployment"})
    foreign = DataKeys(
        storage.build_table(theirs),
        Envelope(storage.build_wrapping(theirs)),
        data_set=theirs.data_set,
    )
    key_id = foreign.rotate()
    ours = DataKeys(storage.build_table(settings), Envelope(storage.build_wrapping(settings)))
    with pytest.raises(Unreadable, match="another data set"):
        ours.get(bytes.fromhex(key_id))
    assert client_of(store).get_item(
        TableName=settings.table_name, Key={"pk": {"S": keys.DATA_KEY_PK}, "sk": {"S": key_id}}
    )["Item"]
    # What was sealed before still reads.
    page = api.http.get(f"/api/messages/{group}", headers=ada.auth)
    assert [m["message"] for m in page.json()] == ["ours"]
