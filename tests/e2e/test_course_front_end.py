"""The contract of the bootcamp's own React front end (`frontend-react-js`, week 5): every
route, status, header and field its pages read, pinned so it cannot regress.

- MessageGroupsPage: GET /api/message_groups → each `uuid, display_name, handle, message,
  created_at`.
- MessageGroupPage: GET /api/messages/{uuid} → each message the same five fields.
- MessageForm: POST /api/messages, by group or by handle; it proceeds only on **200**, then
  reads `message_group_uuid` (a new conversation) or appends the message as it came back.
- MessageGroupNewPage: GET /api/users/@{handle}/short **without a token** → `display_name`,
  `handle`.
- Every call from its own origin: CORS preflights answered for an allowed origin.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api, eventually, running

FRONT_END = "http://localhost:3000"  # the course's dev server
FIELDS = {"uuid", "display_name", "handle", "message", "created_at"}
CROSS = {"Origin": FRONT_END}


@pytest.fixture
def course(settings, store):
    with running(settings, store, cors_origins=FRONT_END) as api:
        yield api


def _strings(item: dict[str, object]) -> None:
    assert set(item) >= FIELDS, item
    assert all(isinstance(item[name], str) and item[name] for name in FIELDS), item


def test_every_route_the_course_pages_call_is_preflighted_for_its_origin(course: Api):
    for method, path in (
        ("GET", "/api/message_groups"),
        ("GET", "/api/messages/0b7e1f4c-7c3c-4d55-9d8f-7b2b1b0f3c11"),
        ("POST", "/api/messages"),
        ("GET", "/api/users/@someone/short"),
    ):
        answer = course.http.options(
            path,
            headers=CROSS
            | {
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert answer.status_code == 200, (method, path, answer.text)
        assert answer.headers["access-control-allow-origin"] == FRONT_END
        assert method in answer.headers["access-control-allow-methods"]
        allowed = answer.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed


def test_the_pages_read_what_they_expect(course: Api):
    ada, bob = course.signup(), course.signup()
    headers = ada.auth | CROSS | {"Content-Type": "application/json"}

    # MessageGroupNewPage: the other user's profile, asked with no token at all.
    short = course.http.get(f"/api/users/@{bob.handle}/short", headers=CROSS)
    assert short.status_code == 200, short.text
    assert set(short.json()) == {"uuid", "handle", "display_name"}  # public fields only
    assert short.json()["uuid"] == bob.uuid
    assert short.json()["handle"] == bob.handle
    assert short.headers["access-control-allow-origin"] == FRONT_END
    assert course.http.get("/api/users/@nobody_at_all/short", headers=CROSS).status_code == 404

    # MessageForm, new conversation: by handle; 200 and the group to go to.
    first = {"message": "hi bob", "handle": bob.handle}
    started = course.http.post("/api/messages", json=first, headers=headers)
    assert started.status_code == 200, started.text
    assert started.headers["access-control-allow-origin"] == FRONT_END
    body = started.json()
    _strings(body)
    group = body["message_group_uuid"]
    assert body["message"] == "hi bob"
    assert body["handle"] == ada.handle

    # MessageForm, in a conversation: by group; 200 and the message to append.
    sent = course.http.post(
        "/api/messages", json={"message": "second", "message_group_uuid": group}, headers=headers
    )
    assert sent.status_code == 200, sent.text
    _strings(sent.json())
    assert sent.json()["message"] == "second"

    # A keyed send answers its replay as it answered the first time.
    keyed = headers | {"Idempotency-Key": "course-form-1"}
    third = {"message": "third", "message_group_uuid": group}
    once = course.http.post("/api/messages", json=third, headers=keyed)
    twice = course.http.post("/api/messages", json=third, headers=keyed)
    assert once.status_code == twice.status_code == 200
    assert once.json() == twice.json()

    # MessageGroupsPage: bob's inbox shows ada's conversation, as the stream left it.
    inbox = eventually(
        lambda: [
            row
            for row in course.http.get("/api/message_groups", headers=bob.auth | CROSS).json()
            if row["message"] == "third"
        ]
    )
    (row,) = inbox
    _strings(row)
    assert row["uuid"] == group
    assert row["handle"] == ada.handle

    # MessageGroupPage: the conversation's messages, each with the five fields.
    page = course.http.get(f"/api/messages/{group}", headers=bob.auth | CROSS)
    assert page.status_code == 200
    assert page.headers["access-control-allow-origin"] == FRONT_END
    messages = page.json()
    assert [m["message"] for m in messages] == ["hi bob", "second", "third"]
    for message in messages:
        _strings(message)


def test_the_public_profile_is_limited_per_client_address(settings, store):
    proxied = {"trusted_proxies": "127.0.0.1", "limit_profile_lookups_per_minute": 3}
    with running(settings, store, **proxied) as api:
        bob = api.signup()

        def look(address: str) -> int:
            path = f"/api/users/@{bob.handle}/short"
            return api.http.get(path, headers={"X-Forwarded-For": address}).status_code

        assert [look("203.0.113.5") for _ in range(4)] == [200, 200, 200, 429]
        assert look("198.51.100.9") == 200  # another address is not held back
