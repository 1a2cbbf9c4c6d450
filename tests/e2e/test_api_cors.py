"""CORS (defect 8 of issue 14): a front end on an allowed origin can call the JSON API with a
bearer token and read X-Next-Cursor; no origin is allowed by default; credentials never."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic import ValidationError

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import Api, serve

FRONT_END = "http://127.0.0.1:3000"


@contextmanager
def running(settings: Settings, store: ConversationTable, **changes: object) -> Iterator[Api]:
    yield from serve(settings.model_copy(update=changes), store)


def _preflight(api: Api, origin: str) -> dict[str, str]:
    response = api.http.options(
        "/api/messages",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    return dict(response.headers) | {"status": str(response.status_code)}


def test_an_allowed_origin_is_answered_and_can_read_the_cursor(settings, store):
    with running(settings, store, cors_origins=f"{FRONT_END}, https://app.example.org") as api:
        allowed = _preflight(api, FRONT_END)
        assert allowed["status"] == "200"
        assert allowed["access-control-allow-origin"] == FRONT_END
        assert "idempotency-key" in allowed["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in allowed
        ada, bob = api.signup(), api.signup()
        for n in range(3):
            api.send(ada, handle=bob.handle, message=str(n))
        page = api.http.get(
            "/api/message_groups", params={"limit": 1}, headers=ada.auth | {"Origin": FRONT_END}
        )
        assert page.headers["access-control-allow-origin"] == FRONT_END
        assert "x-next-cursor" in page.headers["access-control-expose-headers"].lower()
        refused = _preflight(api, "https://evil.example")
        assert refused.get("access-control-allow-origin") is None


def test_no_origin_is_allowed_by_default(api: Api):
    assert _preflight(api, FRONT_END).get("access-control-allow-origin") is None
    response = api.http.get("/healthz", headers={"Origin": FRONT_END})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("bad", ["*", "app.example.org", "https://app.example.org/path", "ftp://x"])
def test_an_origin_list_that_is_not_one_is_refused(bad: str):
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(cors_origins=bad)
