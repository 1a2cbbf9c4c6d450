"""Only members read or post: an outsider gets 404 on every route naming another pair's group,
exactly as for a group that does not exist, and nothing is written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Api, Member, snapshot, stream_caught_up


@pytest.fixture
def pair_and_outsider(api: Api) -> tuple[Member, Member, Member, str, str]:
    ada, bob, eve = api.signup(), api.signup(), api.signup()
    group = api.send(ada, message="just us", handle=bob.handle)["message_group_uuid"]
    for index in range(3):
        api.send(bob, message=f"reply {index}", message_group_uuid=group)
    page = api.http.get(f"/api/messages/{group}", params={"limit": 2}, headers=ada.auth)
    cursor = page.headers["X-Next-Cursor"]
    return ada, bob, eve, group, cursor


def _requests(group: str, cursor: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"/api/messages/{group}", {}),
        ("GET", f"/api/messages/{group}", {"params": {"cursor": cursor}}),
        ("POST", "/api/messages", {"json": {"message": "let me in", "message_group_uuid": group}}),
        (
            "POST",
            "/api/messages",
            {
                "json": {"message": "retry", "message_group_uuid": group},
                "headers": {"Idempotency-Key": "k1"},
            },
        ),
        ("POST", f"/api/message_groups/{group}/read", {}),
    ]


def test_an_outsider_gets_404_everywhere_and_writes_nothing(api: Api, pair_and_outsider):
    ada, bob, eve, group, cursor = pair_and_outsider
    stream_caught_up(api, group, ada.uuid, bob.uuid)
    before = snapshot(api)
    missing = str(uuid.uuid4())
    for method, path, extra in _requests(group, cursor):
        headers = {**eve.auth, **extra.pop("headers", {})}
        response = api.http.request(method, path, headers=headers, **extra)
        assert response.status_code == 404, (method, path, response.text)
        # Indistinguishable from a group that does not exist at all.
        twin = api.http.request(
            method, path.replace(group, missing), headers=headers, **_swap(extra, group, missing)
        )
        assert twin.status_code == 404
        assert response.json()["errors"] == twin.json()["errors"]  # (each its request's id)
    assert snapshot(api) == before
    assert api.http.get("/api/message_groups", headers=eve.auth).json() == []
    # The members still see their conversation untouched.
    messages = api.http.get(f"/api/messages/{group}", headers=ada.auth).json()
    assert [m["message"] for m in messages] == ["just us", "reply 0", "reply 1", "reply 2"]


def _swap(extra: dict[str, Any], group: str, missing: str) -> dict[str, Any]:
    if "json" in extra:
        return {**extra, "json": {**extra["json"], "message_group_uuid": missing}}
    return extra


def test_an_outsiders_own_cursor_does_not_open_another_group(api: Api, pair_and_outsider):
    ada, _, eve, group, _ = pair_and_outsider
    carl = api.signup()
    own = api.send(eve, message="mine", handle=carl.handle)["message_group_uuid"]
    for index in range(3):
        api.send(eve, message=f"more {index}", message_group_uuid=own)
    page = api.http.get(f"/api/messages/{own}", params={"limit": 1}, headers=eve.auth)
    eve_cursor = page.headers["X-Next-Cursor"]
    # Eve's valid cursor for her group, replayed by Ada against Ada's group: refused, not served.
    response = api.http.get(
        f"/api/messages/{group}", params={"cursor": eve_cursor}, headers=ada.auth
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_cursor"


def _group_requests(group: str, member: Member) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"/api/message_groups/{group}", {}),
        ("PATCH", f"/api/message_groups/{group}", {"json": {"title": "mine now"}}),
        ("PATCH", f"/api/message_groups/{group}", {"json": {"muted": True}}),
        ("POST", f"/api/message_groups/{group}/members", {"json": {"handles": [member.handle]}}),
        ("DELETE", f"/api/message_groups/{group}/members/@{member.handle}", {}),
        (
            "PATCH",
            f"/api/message_groups/{group}/members/@{member.handle}",
            {"json": {"role": "member"}},
        ),
        ("POST", f"/api/message_groups/{group}/typing", {}),
        ("POST", f"/api/message_groups/{group}/read", {}),
        ("GET", f"/api/messages/{group}", {}),
        ("POST", "/api/messages", {"json": {"message": "let me in", "message_group_uuid": group}}),
        (
            "POST",
            f"/api/message_groups/{group}/attachments",
            {"json": {"name": "a.txt", "content_type": "text/plain", "size": 3}},
        ),
    ]


def test_a_stranger_and_a_removed_member_get_404_on_every_group_route(api: Api):
    ada, bob, carl, eve = api.signup(), api.signup(), api.signup(), api.signup()
    body = {"handles": [bob.handle, carl.handle]}
    group = api.http.post("/api/message_groups", json=body, headers=ada.auth).json()["uuid"]
    api.send(bob, message="members only", message_group_uuid=group)
    removed = api.http.delete(
        f"/api/message_groups/{group}/members/@{carl.handle}", headers=ada.auth
    )
    assert removed.status_code == 204
    stream_caught_up(api, group, ada.uuid, bob.uuid)
    before = snapshot(api)
    missing = str(uuid.uuid4())
    for outsider in (eve, carl):
        for method, path, extra in _group_requests(group, bob):
            response = api.http.request(method, path, headers=outsider.auth, **extra)
            assert response.status_code == 404, (outsider.handle, method, path, response.text)
            twin = api.http.request(
                method,
                path.replace(group, missing),
                headers=outsider.auth,
                **(_swap(extra, group, missing) if path == "/api/messages" else extra),
            )
            assert twin.status_code == 404
            assert response.json()["errors"] == twin.json()["errors"]
    assert snapshot(api) == before
