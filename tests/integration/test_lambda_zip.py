"""dist/lambda.zip, run in a clean interpreter with only the zip and boto3 on sys.path, against
DynamoDB Local with the stream's real records: it updates both inbox rows and, with REDIS_URL,
publishes the live events to the local Redis."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest
import redis

from cruddur.config import Settings
from cruddur.services import sending
from cruddur.services.context import MessagingContext
from cruddur_infra.lambda_package import LAMBDA_PYTHON, runtime_folder, unpack
from tests.conftest import make_user
from tests.lambda_runtime import build_zip, invoke, stream_event
from tests.own_loop import run

HEAVY = ("sqlalchemy", "aiohttp", "redis", "argon2", "fastapi", "pydantic", "starlette", "jinja2")
# What opening sealed text takes: the processor loads none of it, and has no key to give it.
KEYED = (
    "cryptography",
    "aws_encryption_sdk",
    "cruddur.adapters.crypto.sealing",
    "cruddur.adapters.crypto.envelope",
)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("lambda")
    return unpack(build_zip(folder), folder), runtime_folder(folder)


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    assert settings.aws_endpoint_url is not None
    return {
        "AWS_ENDPOINT_URL": settings.aws_endpoint_url,
        "CRUDDUR_TABLE_NAME": settings.table_name,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        **extra,
    }


def test_the_zip_applies_real_stream_records_and_publishes_to_redis(
    packaged, settings: Settings, store, ctx: MessagingContext, redis_url: str
):
    task, runtime = packaged
    ada, bob = make_user("ada"), make_user("bob")
    group = run(sending.start_conversation(ctx, ada, bob, "first")).group_uuid
    for text in ("second", "third"):
        run(sending.send_message(ctx, bob, group, text))
    subscriber = redis.Redis.from_url(redis_url).pubsub()  # type: ignore[no-untyped-call]
    subscriber.subscribe(f"cruddur:events:{ada.uuid}", f"cruddur:events:{bob.uuid}")
    event = stream_event(settings)
    assert {r["eventName"] for r in event["Records"]} == {"INSERT"}

    result, modules = invoke(task, runtime, event, _env(settings, REDIS_URL=redis_url))

    assert result == {"batchItemFailures": []}
    assert not [m for m in modules if m.partition(".")[0] in HEAVY]
    assert not [m for m in modules if m.startswith(KEYED)]
    assert "third" not in json.dumps(event)  # the records carry sealed text only
    row = run(store.get_inbox_row(ada.uuid, group))
    assert row is not None
    # The keyless processor copied the sealed preview; the API, which has the key, opens it.
    assert (row.last_message, row.unread_count) == ("third", 2)
    heard: set[tuple[str, str]] = set()
    deadline = time.monotonic() + 5
    while len(heard) < 2 and time.monotonic() < deadline:
        message = subscriber.get_message(timeout=0.5)
        if message and message["type"] == "message":
            heard.add((message["channel"].decode(), json.loads(message["data"])["group"]))
    assert heard == {(f"cruddur:events:{u.uuid}", group) for u in (ada, bob)}
    subscriber.close()


def test_a_poison_record_is_reported_and_the_rest_applies(
    packaged, settings: Settings, store, ctx: MessagingContext
):
    task, runtime = packaged
    ada, bob = make_user("ada"), make_user("bob")
    group = run(sending.start_conversation(ctx, ada, bob, "first")).group_uuid
    run(sending.send_message(ctx, bob, group, "second"))
    event = stream_event(settings)
    poison = json.loads(json.dumps(event["Records"][-1]))
    poison["dynamodb"]["SequenceNumber"] = "999"
    del poison["dynamodb"]["NewImage"]["member_uuids"]
    event["Records"].append(poison)

    result, _ = invoke(task, runtime, event, _env(settings))

    assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    row = run(store.get_inbox_row(ada.uuid, group))
    assert row is not None
    assert row.last_message == "second"


def test_the_zip_is_tested_on_the_lambdas_python_and_carries_no_other_pythons_builds(packaged):
    task, _ = packaged
    # invoke() runs the zip with sys.executable: the stack's runtime must be this Python.
    assert sys.version_info[:2] == LAMBDA_PYTHON
    own = "{}{}".format(*LAMBDA_PYTHON)
    files = [path for path in task.rglob("*") if path.is_file()]
    assert files
    for path in files:
        name = path.name
        if name.endswith((".so", ".pyd")):  # a compiled extension: cpython-311 or the stable ABI
            assert f"cpython-{own}" in name or ".abi3." in name, name
        elif name.endswith(".pyc"):
            assert f".cpython-{own}." in name, name
        elif name == "WHEEL":  # a vendored wheel's tags: this Python's, or any Python 3's
            tags = re.findall(r"^Tag: (\S+)$", path.read_text(), re.MULTILINE)
            assert all(t.startswith((f"cp{own}-", "py3-", "py2.py3-")) for t in tags), tags
