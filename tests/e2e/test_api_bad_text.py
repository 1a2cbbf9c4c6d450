# ruff: noqa: E501 - one case per line reads best as a table
"""Text no client should send, over HTTP on SQLite and on PostgreSQL: a 400 with the JSON error
body, never a 500, and nothing written. (Defect of issue 14: NULs came back as 500s from
PostgreSQL; invisible-only messages and names were stored; bidi overrides were stored raw.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import Api, serve, snapshot, stream_caught_up

SIGNUP = {
    "handle": "text_new",
    "display_name": "Text New",
    "email": "text@example.org",
    "password": "long enough password",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request, settings: Settings, store: ConversationTable, tmp_path: Path) -> Iterator[Api]:
    if request.param == "postgresql":
        settings = settings.model_copy(
            update={"database_url": request.getfixturevalue("postgres_url")}
        )
    yield from serve(settings, store)


ACCOUNT_CASES = [
        ("/api/auth/signup", SIGNUP | {"display_name": "Text\u0000New"}, "display_name"),
        ("/api/auth/signup", SIGNUP | {"email": "te\u0000xt@example.org"}, "email"),
        ("/api/auth/signup", SIGNUP | {"password": "long enough\u0000password"}, "password"),
        ("/api/auth/signup", SIGNUP | {"handle": "text\u0000new"}, "handle"),
        ("/api/auth/signup", SIGNUP | {"display_name": "\u200b\u3164\u2800"}, "display_name"),
        ("/api/auth/signup", SIGNUP | {"display_name": "\ud800"}, "display_name"),
        ("/api/auth/login", {"handle": "text\u0000new", "password": "long enough password"}, "login"),
        ("/api/auth/login", {"handle": "text_new", "password": "x\u0000"}, "password"),
]  # fmt: skip
MESSAGE_CASES = [
    "\u200b",
    "\u2060\ufeff \u3164",
    "\u202e\u202c",
    "hi\u0000",
    "\u0007bell",
    "\udc00",
]


def test_control_and_invisible_text_in_accounts_is_a_400_on_both_databases(site: Api):
    for path, body, field in ACCOUNT_CASES:  # every case on one server per database
        before = site.runtime.users.count()
        # As raw JSON: a lone surrogate is valid JSON (an escape) that httpx would not encode.
        raw = json.dumps(body).encode()
        response = site.http.post(path, content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code in {400, 422}, (body, response.text)
        [error] = response.json()["errors"]
        assert error["field"] == field or field in error["message"].replace(" ", "_"), body
        assert site.runtime.users.count() == before, body


def test_invisible_or_control_messages_are_refused_and_bidi_overrides_removed(site: Api):
    for text in MESSAGE_CASES:  # every case on one server per database
        ada, bob = site.signup(), site.signup()  # fresh handles: the PostgreSQL one is shared
        before = snapshot(site)
        raw = json.dumps({"message": text, "handle": bob.handle}).encode()
        refused = site.http.post(
            "/api/messages", content=raw, headers=ada.auth | {"Content-Type": "application/json"}
        )
        # 422: JSON schema (a lone surrogate)
        assert refused.status_code in {400, 422}, (text, refused.text)
        assert refused.json()["errors"][0]["field"] == "message", text
        assert snapshot(site) == before, text
        sent = site.send(ada, message="pay \u202eevil.exe\u202c now", handle=bob.handle)
        assert sent["message"] == "pay evil.exe now"
        # The stream done with it before the next case's snapshot.
        stream_caught_up(site, sent["message_group_uuid"], ada.uuid, bob.uuid)
