"""Mute, archive and pin through HTTP, on DynamoDB Local with the poller: pinned first with
exact paging, archived out until a new message (for good while muted), bad input writing
nothing."""

from __future__ import annotations

from typing import Any

import httpx

from cruddur.domain.model import MAX_PINNED
from tests.e2e.conftest import Api, Member, eventually, snapshot
from tests.e2e.test_api_chat import error_code, inbox_row


def choose(api: Api, member: Member, group: str, **body: Any) -> httpx.Response:
    return api.http.patch(f"/api/message_groups/{group}", json=body, headers=member.auth)


def inbox(api: Api, member: Member, **params: Any) -> list[dict[str, Any]]:
    """Every page, following the cursors; each row once."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):  # bounded: a cursor that never ends fails the test, not the machine
        query = params | ({"cursor": cursor} if cursor else {})
        response = api.http.get("/api/message_groups", params=query, headers=member.auth)
        assert response.status_code == 200, response.text
        rows += response.json()
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            return rows
        assert response.json(), "a cursor to an empty page"
    raise AssertionError("the inbox never ended")


def conversations(api: Api, owner: Member, count: int) -> list[str]:
    """`count` conversations of `owner`, the newest last; settled in the owner's inbox."""
    groups = []
    for _ in range(count):
        other = api.signup()
        groups.append(api.send(other, handle=owner.handle, message="hi")["message_group_uuid"])
    eventually(lambda: len(inbox(api, owner)) == count)
    return groups


def test_pinned_conversations_come_first_and_every_page_size_walks_each_row_once(api: Api):
    ada = api.signup()
    groups = conversations(api, ada, 5)
    by_activity = list(reversed(groups))
    assert [r["uuid"] for r in inbox(api, ada)] == by_activity
    for group in (groups[0], groups[2]):  # the oldest and a middle one
        pinned = choose(api, ada, group, pinned=True)
        assert pinned.status_code == 200, pinned.text
        assert pinned.json()["pinned"] is True
    expected = [groups[2], groups[0]] + [g for g in by_activity if g not in (groups[0], groups[2])]
    for limit in (1, 2, 3, 20):
        rows = inbox(api, ada, limit=limit)
        assert [r["uuid"] for r in rows] == expected, limit
        assert [r["pinned"] for r in rows] == [True, True, False, False, False]
    first = api.http.get("/api/message_groups", params={"limit": 3}, headers=ada.auth).json()
    assert len(first) == 3  # the pinned take places of the first page, not more
    assert choose(api, ada, groups[0], pinned=False).json()["pinned"] is False
    assert inbox(api, ada)[0]["uuid"] == groups[2]


def test_at_most_five_pinned_and_bad_choices_write_nothing(api: Api):
    ada = api.signup()
    groups = conversations(api, ada, MAX_PINNED + 1)
    for group in groups[:MAX_PINNED]:
        assert choose(api, ada, group, pinned=True).status_code == 200
    assert choose(api, ada, groups[0], pinned=True).status_code == 200  # again: no new pin
    before = snapshot(api)
    too_many = choose(api, ada, groups[-1], pinned=True)
    assert (too_many.status_code, error_code(too_many)) == (400, "invalid"), too_many.text
    for body in (
        {},
        {"archived": True, "pinned": True},
        {"muted": "maybe"},
        {"muted": None},
        {"starred": True},
    ):
        response = choose(api, ada, groups[-1], **body)
        assert 400 <= response.status_code < 500, (body, response.text)
    stranger = api.signup()
    assert choose(api, stranger, groups[0], muted=True).status_code == 404  # not theirs
    assert choose(api, ada, "not-a-uuid", muted=True).status_code == 400
    assert (
        api.http.patch(f"/api/message_groups/{groups[0]}", json={"muted": True}).status_code == 401
    )
    assert snapshot(api) == before
    assert choose(api, ada, groups[0], pinned=False).status_code == 200  # a place again
    assert choose(api, ada, groups[-1], pinned=True).status_code == 200


def test_archived_leaves_the_inbox_and_a_new_message_brings_it_back(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(bob, handle=ada.handle, message="one")["message_group_uuid"]
    eventually(lambda: inbox_row(api, ada, group))
    archived = choose(api, ada, group, archived=True)
    assert archived.status_code == 200, archived.text
    assert archived.json()["archived"] is True
    assert inbox(api, ada) == []
    assert [r["uuid"] for r in inbox(api, ada, archived="true")] == [group]
    assert inbox_row(api, bob, group) is not None  # Bob's own inbox is his: unchanged
    api.send(bob, message_group_uuid=group, message="two")
    eventually(lambda: [r["uuid"] for r in inbox(api, ada)] == [group])
    row = inbox(api, ada)[0]
    assert (row["archived"], row["message"], row["unread_count"]) == (False, "two", 2)
    assert inbox(api, ada, archived="true") == []


def test_a_muted_archived_conversation_stays_archived_and_still_counts(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(bob, handle=ada.handle, message="one")["message_group_uuid"]
    eventually(lambda: inbox_row(api, ada, group))
    assert choose(api, ada, group, muted=True, archived=True).status_code == 200
    api.send(bob, message_group_uuid=group, message="two")

    def archived_row() -> dict[str, Any] | None:
        rows = inbox(api, ada, archived="true")
        return rows[0] if rows and rows[0]["message"] == "two" else None

    row = eventually(archived_row)
    assert (row["muted"], row["archived"], row["unread_count"]) == (True, True, 2)
    assert inbox(api, ada) == []
    # Unmuted, the message that arrived since brings it back.
    assert choose(api, ada, group, muted=False).json()["archived"] is False
    assert [r["uuid"] for r in inbox(api, ada)] == [group]


def test_pinning_unarchives_and_archiving_unpins(api: Api):
    ada = api.signup()
    first, second = conversations(api, ada, 2)
    assert choose(api, ada, first, archived=True).status_code == 200
    pinned = choose(api, ada, first, pinned=True).json()
    assert (pinned["pinned"], pinned["archived"]) == (True, False)
    assert [r["uuid"] for r in inbox(api, ada)] == [first, second]
    archived = choose(api, ada, first, archived=True).json()
    assert (archived["pinned"], archived["archived"]) == (False, True)
    assert [r["uuid"] for r in inbox(api, ada)] == [second]
    one = api.http.get(f"/api/message_groups/{first}", headers=ada.auth).json()
    assert (one["pinned"], one["archived"], one["muted"]) == (False, True, False)
