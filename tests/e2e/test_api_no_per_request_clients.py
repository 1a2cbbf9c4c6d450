"""No client, connection pool or key set is created per request: all are built once, at start."""

from __future__ import annotations

from typing import Any

import aiohttp
import boto3
import httpx
import pytest
import sqlalchemy

from cruddur.adapters.auth import signing_key
from tests.e2e.conftest import Api


def test_requests_build_no_clients_engines_or_keys(api: Api, monkeypatch: pytest.MonkeyPatch):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, message="warm", handle=bob.handle)["message_group_uuid"]
    made: list[str] = []

    def counting(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            made.append(name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(boto3, "client", counting("boto3.client", boto3.client))
    monkeypatch.setattr(boto3.Session, "client", counting("Session.client", boto3.Session.client))
    # The page reads' wire (aiohttp) and its connection pool.
    for kind in (aiohttp.ClientSession, aiohttp.TCPConnector):
        monkeypatch.setattr(kind, "__init__", counting(kind.__name__, kind.__init__))
    monkeypatch.setattr(sqlalchemy, "create_engine", counting("engine", sqlalchemy.create_engine))
    monkeypatch.setattr(httpx.Client, "__init__", counting("httpx", httpx.Client.__init__))
    monkeypatch.setattr(signing_key, "load_or_create", counting("key", signing_key.load_or_create))
    for index in range(10):
        api.send(ada, message=f"m{index}", message_group_uuid=group)
        assert api.http.get(f"/api/messages/{group}", headers=bob.auth).status_code == 200
        assert api.http.get("/api/message_groups", headers=bob.auth).status_code == 200
    # The test's own httpx client was made before the patch; nothing else may be.
    assert made == []
