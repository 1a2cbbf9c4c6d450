"""With the Lambda runner instead of the local poller, open pages still update live: the packaged
zip, run as the Lambda runtime would, publishes to Redis; `cruddur serve` relays it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Browser, expect

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.users.migrations import upgrade
from cruddur.config import Settings
from cruddur_infra.lambda_package import runtime_folder, unpack
from tests.browser.conftest import sign_in
from tests.browser.test_redis_fanout import _signup, _start, _url
from tests.lambda_runtime import build_zip, invoke, stream_event


@pytest.fixture
def api_without_poller(
    settings: Settings, store: ConversationTable, redis_url: str
) -> Iterator[str]:
    redis.Redis.from_url(redis_url).ping()
    upgrade(settings.users_database_url)
    assert settings.aws_endpoint_url is not None
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
    target = ["--endpoint-url", settings.aws_endpoint_url, "--table", settings.table_name]
    process = _start(
        ["serve", *target, "--data-dir", str(Path(settings.data_dir)), "--port", "0"], env
    )
    try:
        yield _url(process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()


def test_an_inbox_updates_live_from_the_packaged_lambda(
    browser: Browser,
    api_without_poller: str,
    settings: Settings,
    tmp_path: Path,
    redis_url: str,
):
    url = api_without_poller
    ada_token = _signup(url, "ada_lambda")
    _signup(url, "bob_lambda")
    page = sign_in(browser, url, "bob_lambda")
    auth = {"Authorization": f"Bearer {ada_token}"}
    first = httpx.post(
        f"{url}/api/messages", json={"message": "hello", "handle": "bob_lambda"}, headers=auth
    ).json()
    group = first["message_group_uuid"]
    sent = httpx.post(
        f"{url}/api/messages",
        json={"message": "from the lambda", "message_group_uuid": group},
        headers=auth,
    )
    assert sent.status_code == 200
    row = page.locator(f'#inbox li[data-group="{group}"]')

    env = {
        "AWS_ENDPOINT_URL": str(settings.aws_endpoint_url),
        "CRUDDUR_TABLE_NAME": settings.table_name,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "REDIS_URL": redis_url,
    }
    result, _ = invoke(
        unpack(build_zip(tmp_path), tmp_path), runtime_folder(tmp_path), stream_event(settings), env
    )

    assert result == {"batchItemFailures": []}
    expect(row).to_contain_text("from the lambda")
    expect(row.locator(".badge")).to_have_text("2")
    assert page.evaluate("window.__noReload === true")
