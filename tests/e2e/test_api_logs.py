"""What the API logs, read as an operator's log pipeline reads it: one JSON object a line, one
line per request (its route's template, status, duration, the user as a keyed hash), the
request id on every line of a request and in its answer, a line per stream batch — and
nothing anyone wrote, no token and no password, anywhere in a whole session's logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cruddur.logs import JsonFormatter, _RequestId
from tests.e2e.conftest import Api, eventually

SECRET_TEXT = "the vault code is 4471-quince"
PASSWORD = "correct horse battery"
Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def logged() -> Iterator[Lines]:
    """Every line logged since the test began, parsed from the JSON the formatter wrote."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_RequestId())
    root, cruddur = logging.getLogger(), logging.getLogger("cruddur")
    level = cruddur.level
    root.addHandler(handler)
    cruddur.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        cruddur.setLevel(level)


def _requests(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "cruddur.request"]


def test_a_session_logs_a_line_per_request_and_none_of_what_was_written(api: Api, logged: Lines):
    ada, bob = api.signup(), api.signup()
    sent = api.send(ada, message=SECRET_TEXT, handle=bob.handle)
    group = sent["message_group_uuid"]
    api.send(bob, message=SECRET_TEXT + " (the reply)", message_group_uuid=group)
    assert api.http.get(f"/api/messages/{group}", headers=bob.auth).status_code == 200
    login = api.http.post("/api/auth/login", json={"handle": ada.handle, "password": PASSWORD})
    assert login.status_code == 200
    wrong = api.http.post("/api/auth/login", json={"handle": ada.handle, "password": "nope" * 3})
    assert wrong.status_code == 401
    # The stream processor applies the reply (the first message's rows came with the
    # conversation): its batch line follows.
    eventually(lambda: [x for x in logged() if x["message"] == "stream batch" and x["applied"]])
    # A request's line is logged once its answer has gone: the last one may come a moment after.
    eventually(lambda: [r for r in _requests(logged()) if r["status"] == 401])

    lines = logged()
    everything = "\n".join(json.dumps(line) for line in lines)
    for secret in (SECRET_TEXT, PASSWORD, ada.token, bob.token, login.json()["access_token"]):
        assert secret not in everything
    assert ada.uuid not in everything  # users appear as a keyed hash only

    requests = _requests(lines)
    routes = [(r["method"], r["route"], r["status"]) for r in requests]
    assert ("POST", "/api/auth/signup", 201) in routes
    assert ("POST", "/api/messages", 200) in routes
    assert ("GET", "/api/messages/{message_group_uuid}", 200) in routes  # the template
    assert ("POST", "/api/auth/login", 401) in routes
    assert all(group not in r["route"] for r in requests)
    for line in requests:
        assert line["level"] == "INFO"
        assert line["duration_ms"] >= 0
        assert line["client"] == "127.0.0.1"
        assert len(line["request_id"]) >= 16
    page = next(r for r in requests if r["route"] == "/api/messages/{message_group_uuid}")
    send = next(r for r in requests if r["route"] == "/api/messages")
    assert len(page["user"]) == 16
    assert page["user"] != send["user"]  # bob's hash, then ada's

    batches = [x for x in lines if x["message"] == "stream batch"]
    assert all(x["records"] >= 1 for x in batches)  # a line per batch, none for an empty read
    [batch, *_] = [x for x in batches if x["applied"]]
    assert batch["groups"] >= 1
    assert batch["applied"] >= 1  # inbox rows written: two for a message, one per member
    assert batch["failed"] == 0
    assert batch["lag_ms"] >= 0


def test_the_request_id_is_the_clients_when_well_formed_and_in_every_answer(
    api: Api, logged: Lines
):
    given = api.http.get("/healthz", headers={"X-Request-Id": "lb-1a2b3c.4"})
    assert given.headers["X-Request-Id"] == "lb-1a2b3c.4"
    for forged in ("has space", "x" * 200, "semi;colon", ""):
        answer = api.http.get("/healthz", headers={"X-Request-Id": forged})
        assert answer.headers["X-Request-Id"] != forged
        assert len(answer.headers["X-Request-Id"]) == 32
    refused = api.http.get("/api/me")
    assert refused.status_code == 401
    rid = refused.headers["X-Request-Id"]
    assert refused.json()["request_id"] == rid  # quoted in the error body, for a report
    # A request's line is logged once its answer has gone: it may come a moment after.
    mine = eventually(lambda: [r for r in _requests(logged()) if r["request_id"] == rid])
    assert [r["status"] for r in mine] == [401]
