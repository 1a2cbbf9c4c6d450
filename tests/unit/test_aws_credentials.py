"""The page reads sign with boto3's credentials; a due refresh runs off the event loop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from aiodynamo.errors import NoCredentialsFound
from botocore.credentials import Credentials, RefreshableCredentials

from cruddur.adapters.aws_credentials import SharedCredentials
from tests.own_loop import run


def test_static_credentials_are_handed_over_as_they_are():
    key = run(lambda: SharedCredentials(Credentials("id", "secret", "token")).get_key(None))  # type: ignore[arg-type]
    assert (key.id, key.secret, key.token) == ("id", "secret", "token")  # type: ignore[union-attr]


def test_a_due_refresh_runs_in_a_thread_and_its_key_is_used():
    threads: list[threading.Thread] = []

    def fetch() -> dict[str, str]:
        threads.append(threading.current_thread())
        expiry = datetime.now(UTC) + timedelta(hours=1)
        return {
            "access_key": "new",
            "secret_key": "s",
            "token": "t",
            "expiry_time": expiry.isoformat(),
        }

    expired = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    credentials = RefreshableCredentials.create_from_metadata(
        {"access_key": "old", "secret_key": "s", "token": "t", "expiry_time": expired},
        fetch,
        "test",
    )

    async def key_and_loop_thread() -> tuple[str, threading.Thread]:
        key = await SharedCredentials(credentials).get_key(None)  # type: ignore[arg-type]
        assert key is not None
        return key.id, threading.current_thread()

    key_id, loop_thread = run(key_and_loop_thread)
    assert key_id == "new"
    assert threads
    assert threads[0] is not loop_thread


def test_no_credentials_is_an_error_not_a_retry():
    with pytest.raises(NoCredentialsFound):
        run(lambda: SharedCredentials(None).get_key(None))  # type: ignore[arg-type]
