"""Each role's table actions are exactly the calls its code makes, recorded on the wire.

The API runs as it does on Fargate (HTTP in front, no poller in its process) and the stream
processor as Lambda runs it (the packaged zip in a clean interpreter, on the stream's real
records, twice: the second run is a replay). Every DynamoDB call both make crosses a recording
proxy in front of DynamoDB Local; the actions seen must equal the lists the stacks grant
(`cruddur_infra.permissions`), both ways: nothing called that is not granted, nothing granted
that is not called. The event source mapping's stream reads are Lambda's own calls, not the
function's; `test_templates` checks those grants.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from cruddur import bootstrap, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.users.migrations import upgrade
from cruddur.api.server import ApiServer
from cruddur.app import create_app
from cruddur.config import Settings
from cruddur.local.dynamodb_local import DynamoDBLocal
from cruddur.services import groups, sending
from cruddur_infra.lambda_package import runtime_folder, unpack
from cruddur_infra.permissions import (
    API_INDEX_ACTIONS,
    API_KEYS_ACTIONS,
    API_TABLE_ACTIONS,
    STREAM_TABLE_ACTIONS,
)
from tests.conftest import make_user
from tests.e2e.conftest import Api, Member
from tests.e2e.test_api_attachments import jpeg_with_gps, upload
from tests.fakes import FakeDirectory
from tests.lambda_runtime import build_zip, invoke, stream_event
from tests.own_loop import run
from tests.wire_recorder import Call, Recorder, calls_of, recording


@pytest.fixture
def wire(dynamodb_local: DynamoDBLocal) -> Iterator[Recorder]:
    with recording(dynamodb_local.endpoint_url) as recorder:
        yield recorder


def _settings(endpoint: str, table: str, folder: Path) -> Settings:
    return Settings(
        aws_endpoint_url=endpoint,
        table_name=table,
        data_dir=folder / "data",
        cursor_secret=SecretStr("test-cursor-secret-0123456789"),
    )


def _new_table(dynamodb_local: DynamoDBLocal, folder: Path) -> tuple[str, Settings]:
    """A fresh table, made directly (not through the recorder: making it is no component's)."""
    table = f"perm-{uuid.uuid4().hex[:10]}"
    direct = _settings(dynamodb_local.endpoint_url, table, folder)
    wire = AwsClients(direct).wire
    dynamo_schema.create_table(wire, dynamo_schema.table_definition(table))
    dynamo_schema.create_keys_table(wire, direct.keys_table)
    return table, direct


def _actions(calls: list[Call], table: str, *, index: bool) -> set[str]:
    assert {call.table for call in calls} <= {table, KEYS_TABLE}  # these only, never another
    return {call.action for call in calls if call.index is index and call.table == table}


KEYS_TABLE = Settings().keys_table


def _use_the_api_as_a_user_would(api: Api) -> None:
    ada, bob = api.signup(), api.signup()
    started = api.send(ada, handle=bob.handle, message="first")
    group = started["message_group_uuid"]
    api.send(ada, handle=bob.handle, message="to the pair that exists now")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    for _ in range(2):  # the second is a retry: it replays the first result
        sent = api.http.post(
            "/api/messages",
            json={"message_group_uuid": group, "message": "keyed"},
            headers=ada.auth | key,
        )
        assert sent.status_code == 200, sent.text
    # A photo: its upload begun, attached by a send (the uploads' items), and deleted.
    photo = upload(api, ada, group, "p.jpg", jpeg_with_gps((32, 32)))
    with_photo = api.send(ada, message_group_uuid=group, attachments=[photo])
    removed = api.http.delete(f"/api/messages/{group}/{with_photo['uuid']}", headers=ada.auth)
    assert removed.status_code == 204, removed.text
    _page_through(api, bob, f"/api/messages/{group}")
    _page_through(api, bob, "/api/message_groups")
    read = api.http.post(f"/api/message_groups/{group}/read", headers=bob.auth)
    assert read.status_code == 204, read.text
    # Issue 17's changes: edit, delete, block (and its listing), unblock.
    url = f"/api/messages/{group}/{started['uuid']}"
    changed = [
        api.http.patch(url, json={"message": "edited"}, headers=ada.auth),
        api.http.delete(url, headers=ada.auth),
        api.http.post(f"/api/users/@{ada.handle}/block", headers=bob.auth),
        api.http.get("/api/blocks", headers=bob.auth),
        api.http.delete(f"/api/users/@{ada.handle}/block", headers=bob.auth),
    ]
    assert [r.status_code for r in changed] == [200, 204, 204, 200, 204], changed[-1].text
    assert api.http.get("/readyz").status_code == 200
    # Your data: the export, and an erasure (of a third account, which wrote to Bob).
    assert api.http.get("/api/me/export", headers=bob.auth).status_code == 200
    carol = api.signup()
    api.send(carol, handle=bob.handle, message="soon gone")
    erased = api.http.request(
        "DELETE", "/api/me", json={"password": "correct horse battery"}, headers=carol.auth
    )
    assert erased.status_code == 204, erased.text


def _page_through(api: Api, member: Member, path: str) -> None:
    params: dict[str, str] = {"limit": "1"}
    for _ in range(10):
        page = api.http.get(path, params=params, headers=member.auth)
        assert page.status_code == 200, page.text
        cursor = page.headers.get("X-Next-Cursor")
        if cursor is None:
            return
        params["cursor"] = cursor
    raise AssertionError("more pages than the test wrote")


def test_the_api_role_grants_exactly_the_calls_the_api_makes(
    wire: Recorder, dynamodb_local: DynamoDBLocal, tmp_path: Path
):
    table, _ = _new_table(dynamodb_local, tmp_path)
    settings = _settings(wire.url, table, tmp_path)
    upgrade(settings.users_database_url)
    store = storage.build_store(settings)
    runtime = bootstrap.build_runtime(settings, store)
    with (
        ApiServer(create_app(settings, runtime), "127.0.0.1", 0) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        _use_the_api_as_a_user_would(Api(server.url, http, runtime, store))
    calls = wire.take()
    assert _actions(calls, table, index=False) == set(API_TABLE_ACTIONS)
    assert _actions(calls, table, index=True) == set(API_INDEX_ACTIONS)
    keys_calls = {call.action for call in calls if call.table == KEYS_TABLE}
    assert keys_calls == set(API_KEYS_ACTIONS)


def test_the_stream_role_grants_exactly_the_calls_the_lambda_makes(
    wire: Recorder, dynamodb_local: DynamoDBLocal, tmp_path: Path
):
    table, direct = _new_table(dynamodb_local, tmp_path)
    store = storage.build_store(direct)
    ctx = bootstrap.build_messaging(direct, store)
    ada, bob = make_user("ada"), make_user("bob")
    group = run(sending.start_conversation(ctx, ada, bob, "first")).group_uuid
    run(sending.send_message(ctx, bob, group, "second"))
    # A group's message too: its rows go as PartiQL statements, its members read once a batch.
    directory = FakeDirectory()
    people = [directory.add(f"member{index}") for index in range(4)]
    started, _ = run(groups.start(ctx, directory, people[0], [p.handle for p in people[1:]]))
    run(sending.send_message(ctx, people[1], started.entry.group_uuid, "to all"))
    run(store.close())
    event = stream_event(direct)
    task, runtime = unpack(build_zip(tmp_path), tmp_path), runtime_folder(tmp_path)
    env = {
        "AWS_ENDPOINT_URL": wire.url,
        "CRUDDUR_TABLE_NAME": table,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }
    for _ in range(2):  # the second delivery replays records already applied
        result, _modules = invoke(task, runtime, event, env)
        assert result == {"batchItemFailures": []}
    calls = wire.take()
    assert _actions(calls, table, index=False) == set(STREAM_TABLE_ACTIONS)
    assert _actions(calls, table, index=True) == set()


def test_a_batch_of_statements_counts_as_the_partiql_action_of_each():
    body = {
        "Statements": [
            {"Statement": 'UPDATE "t" SET "a" = ? WHERE "pk" = ?', "Parameters": []},
            {"Statement": 'DELETE FROM "u" WHERE "pk" = ?', "Parameters": []},
        ]
    }
    assert calls_of("DynamoDB_20120810.BatchExecuteStatement", body) == [
        Call("dynamodb:PartiQLUpdate", "t", False),
        Call("dynamodb:PartiQLDelete", "u", False),
    ]


def test_a_transaction_counts_as_the_actions_of_its_items():
    body = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {}}},
            {"ConditionCheck": {"TableName": "t", "Key": {}}},
        ]
    }
    assert calls_of("DynamoDB_20120810.TransactWriteItems", body) == [
        Call("dynamodb:PutItem", "t", False),
        Call("dynamodb:ConditionCheckItem", "t", False),
    ]
    query = {"TableName": "t", "IndexName": "i"}
    assert calls_of("DynamoDB_20120810.Query", query) == [Call("dynamodb:Query", "t", True)]
