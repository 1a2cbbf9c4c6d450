"""With REDIS_URL, live updates reach browsers on any API process: two `cruddur serve` processes
and one `cruddur stream run`, all real, on the session's Redis (tests/session_services.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Browser, expect

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.users.migrations import upgrade
from cruddur.config import Settings
from tests.browser.conftest import sign_in


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cruddur", "--log-level", "WARNING", *args],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"API at (http://\S+?) ", process.stdout.readline())
        if found:
            return found.group(1)
    raise AssertionError("cruddur serve did not start")


@pytest.fixture
def two_apis(
    settings: Settings, store: ConversationTable, redis_url: str
) -> Iterator[tuple[str, str]]:
    redis.Redis.from_url(redis_url).ping()
    upgrade(settings.users_database_url)
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
    assert settings.aws_endpoint_url is not None
    target = [
        "--endpoint-url",
        settings.aws_endpoint_url,
        "--table",
        settings.table_name,
        "--data-dir",
        str(Path(settings.data_dir)),
    ]
    processes = [_start(["serve", *target, "--port", "0"], env) for _ in range(2)]
    processes.append(_start(["stream", "run", *target], env))
    try:
        yield _url(processes[0]), _url(processes[1])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
            if process.stdout:
                process.stdout.close()


def _signup(url: str, handle: str) -> str:
    body = {
        "handle": handle,
        "display_name": handle,
        "email": f"{handle}@example.org",
        "password": "correct horse battery",
    }
    return str(httpx.post(f"{url}/api/auth/signup", json=body).json()["access_token"])


def test_a_message_sent_through_one_api_shows_live_on_the_other(
    browser: Browser, two_apis: tuple[str, str]
):
    first, second = two_apis
    ada_token = _signup(first, "ada_fanout")
    _signup(second, "bob_fanout")
    page = sign_in(browser, second, "bob_fanout")
    sent = httpx.post(
        f"{first}/api/messages",
        json={"message": "through the other process", "handle": "bob_fanout"},
        headers={"Authorization": f"Bearer {ada_token}"},
    )
    assert sent.status_code == 200
    row = page.locator(f'#inbox li[data-group="{sent.json()["message_group_uuid"]}"]')
    expect(row).to_contain_text("through the other process")
    expect(row.locator(".badge")).to_have_text("1")
    assert page.evaluate("window.__noReload === true")
