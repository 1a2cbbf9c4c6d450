# ruff: noqa: E501 - one case per line reads best as a table
"""Bad input: a 4xx with the JSON error body, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Api, Member, snapshot, stream_caught_up

GOOD_SIGNUP = {
    "handle": "newcomer",
    "display_name": "New Comer",
    "email": "new@example.org",
    "password": "long enough password",
}


@pytest.fixture
def talking(api: Api) -> tuple[Member, Member, str]:
    ada, bob = api.signup("ada_bad"), api.signup("bob_bad")
    group = api.send(ada, message="hi", handle=bob.handle)["message_group_uuid"]
    return ada, bob, group


def _cases(group: str) -> list[tuple[str, str, str, dict[str, Any], int]]:
    messages = "/api/messages"
    return [
        ("blank message", "POST", messages, {"json": {"message": "  \n ", "handle": "bob_bad"}}, 400),
        ("1025 characters", "POST", messages, {"json": {"message": "x" * 1025, "message_group_uuid": group}}, 400),
        ("unknown handle", "POST", messages, {"json": {"message": "hi", "handle": "nobody_here"}}, 404),
        ("invalid handle", "POST", messages, {"json": {"message": "hi", "handle": "no spaces!"}}, 422),
        ("to oneself", "POST", messages, {"json": {"message": "hi", "handle": "ADA_BAD"}}, 400),
        ("malformed uuid", "POST", messages, {"json": {"message": "hi", "message_group_uuid": "123"}}, 400),
        ("both targets", "POST", messages, {"json": {"message": "hi", "handle": "bob_bad", "message_group_uuid": group}}, 400),
        ("no target", "POST", messages, {"json": {"message": "hi"}}, 400),
        ("non-JSON body", "POST", messages, {"content": b"message=hi", "headers": {"Content-Type": "application/json"}}, 422),
        ("JSON array", "POST", messages, {"json": ["hi"]}, 422),
        ("missing message", "POST", messages, {"json": {"handle": "bob_bad"}}, 422),
        ("message not a string", "POST", messages, {"json": {"message": 5, "handle": "bob_bad"}}, 422),
        ("extra user_uuid", "POST", messages, {"json": {"message": "hi", "handle": "bob_bad", "user_uuid": "00000000-0000-0000-0000-000000000000"}}, 422),
        ("huge body", "POST", messages, {"json": {"message": "x" * 70_000, "handle": "bob_bad"}}, 413),
        ("bad idempotency key", "POST", messages, {"json": {"message": "hi", "handle": "bob_bad"}, "headers": {"Idempotency-Key": "é".encode("latin-1")}}, 400),
        ("long idempotency key", "POST", messages, {"json": {"message": "hi", "handle": "bob_bad"}, "headers": {"Idempotency-Key": "k" * 256}}, 422),
        ("malformed uuid in path", "GET", "/api/messages/not-a-uuid", {}, 400),
        ("forged cursor", "GET", f"/api/messages/{group}", {"params": {"cursor": "v1.eyJwayI6Ik1TRyMxIn0.AAAA"}}, 400),
        ("junk cursor", "GET", "/api/message_groups", {"params": {"cursor": "%%%"}}, 400),
        ("limit=0", "GET", f"/api/messages/{group}", {"params": {"limit": 0}}, 422),
        ("limit=100000", "GET", "/api/message_groups", {"params": {"limit": 100000}}, 422),
        ("limit over the page maximum", "GET", "/api/message_groups", {"params": {"limit": 101}}, 400),
        ("limit not a number", "GET", "/api/message_groups", {"params": {"limit": "ten"}}, 422),
        ("read a malformed group", "POST", "/api/message_groups/xyz/read", {}, 400),
        ("unknown user", "GET", "/api/users/@nobody_here/short", {}, 404),
        ("unknown route", "GET", "/api/nothing", {}, 404),
        ("wrong method", "DELETE", "/api/messages", {}, 405),
    ]  # fmt: skip


def test_bad_message_input_is_refused_with_the_error_body_and_writes_nothing(
    api: Api, talking: tuple[Member, Member, str]
):
    ada, bob, group = talking
    stream_caught_up(api, group, ada.uuid, bob.uuid)
    before = snapshot(api)
    for name, method, path, extra, status in _cases(group):
        headers = {**ada.auth, **extra.pop("headers", {})}
        response = api.http.request(method, path, headers=headers, **extra)
        assert response.status_code == status, (name, response.text)
        errors = response.json()["errors"]
        assert errors, name
        assert all(error["code"] and error["message"] for error in errors), name
    assert snapshot(api) == before


def test_the_error_body_names_the_field(api: Api, talking: tuple[Member, Member, str]):
    ada, _, group = talking
    long = api.http.post(
        "/api/messages", json={"message": "x" * 1025, "message_group_uuid": group}, headers=ada.auth
    )
    assert long.json() == {
        "errors": [
            {
                "code": "invalid",
                "message": "the message is longer than 1024 characters",
                "field": "message",
            }
        ],
        "request_id": long.headers["X-Request-Id"],
    }
    extra = api.http.post(
        "/api/messages",
        json={"message": "hi", "message_group_uuid": group, "user_uuid": "someone"},
        headers=ada.auth,
    )
    assert [error["field"] for error in extra.json()["errors"]] == ["user_uuid"]


def test_exactly_1024_characters_after_trimming_is_accepted(api: Api, talking):
    ada, _, group = talking
    text = "y" * 1024
    sent = api.send(ada, message=f"  {text}\n", message_group_uuid=group)
    assert sent["message"] == text


BAD_SIGNUPS: list[tuple[dict[str, str], str]] = [
    ({"handle": "no"}, "handle"),
    ({"handle": "has space"}, "handle"),
    ({"email": "not-an-email"}, "email"),
    ({"password": "short"}, "password"),
    ({"display_name": "   "}, "display_name"),
    ({"display_name": "x" * 101}, "display_name"),
    ({"handle": "x" * 33}, "handle"),
]


def test_bad_signups_are_refused_naming_the_field(api: Api):
    # Every case on one server (a server per case cost most of a second each).
    before = api.runtime.users.count()
    for change, field in BAD_SIGNUPS:
        response = api.http.post("/api/auth/signup", json={**GOOD_SIGNUP, **change})
        # The schema's rules answer 422, the services' (after trimming) 400: both name the field.
        assert response.status_code in {400, 422}, change
        assert response.json()["errors"][0]["field"] == field, change
        assert api.runtime.users.count() == before, change


def test_a_taken_handle_or_email_is_409(api: Api):
    assert api.http.post("/api/auth/signup", json=GOOD_SIGNUP).status_code == 201
    again = api.http.post("/api/auth/signup", json={**GOOD_SIGNUP, "handle": "NEWCOMER"})
    other_email = {**GOOD_SIGNUP, "handle": "someone_else", "email": "NEW@example.org"}
    email = api.http.post("/api/auth/signup", json=other_email)
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "handle")
    assert (email.status_code, email.json()["errors"][0]["field"]) == (409, "email")
