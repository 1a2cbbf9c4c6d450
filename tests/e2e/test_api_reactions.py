"""Reactions through HTTP, on DynamoDB Local with the poller: put and take away, exact counts
under racing toggles, members only, blocks, bad input writing nothing."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

import httpx

from cruddur.adapters.dynamodb.attributes import REV, TEXT, to_attrs
from cruddur.domain import keys
from cruddur.domain.reactions import MOST_PER_MEMBER
from tests.boto import client_of
from tests.e2e.conftest import Api, Member, eventually, snapshot
from tests.e2e.test_api_chat import error_code, inbox_row, listening, messages, talk


def url(group: str, message: str, emoji: str) -> str:
    return f"/api/messages/{group}/{message}/reactions/{quote(emoji, safe='')}"


def react(api: Api, member: Member, group: str, message: str, emoji: str) -> httpx.Response:
    return api.http.put(url(group, message, emoji), headers=member.auth)


def unreact(api: Api, member: Member, group: str, message: str, emoji: str) -> httpx.Response:
    return api.http.delete(url(group, message, emoji), headers=member.auth)


def reactions(api: Api, member: Member, group: str) -> list[dict[str, Any]]:
    [message] = messages(api, member, group)
    found: list[dict[str, Any]] = message["reactions"]
    return found


def stored(api: Api, group: str, message: dict[str, Any]) -> dict[str, Any]:
    key = keys.message_key(group, message["created_at"], message["uuid"])
    item: dict[str, Any] = client_of(api.store).get_item(
        TableName=api.store.table.name, Key=to_attrs(key), ConsistentRead=True
    )["Item"]
    return item


def test_both_members_react_and_each_sees_the_counts_and_their_own(api: Api):
    ada, bob, group, first = talk(api)
    assert reactions(api, ada, group) == []  # every message carries the list, empty or not
    with listening(api, ada) as ada_events, listening(api, bob) as bob_events:
        assert react(api, ada, group, first["uuid"], "👍").status_code == 204
        event = {"type": "message", "group": group, "message_uuid": first["uuid"]}
        eventually(lambda: event in ada_events and event in bob_events)
    assert reactions(api, ada, group) == [{"emoji": "👍", "count": 1, "mine": True}]
    assert reactions(api, bob, group) == [{"emoji": "👍", "count": 1, "mine": False}]
    assert react(api, ada, group, first["uuid"], "👍").status_code == 204  # again: no change
    # Bob's text-style heart (no U+FE0F) and Ada's emoji-style one are the same reaction.
    assert react(api, bob, group, first["uuid"], "\u2764").status_code == 204
    assert react(api, ada, group, first["uuid"], "\u2764\ufe0f").status_code == 204
    assert react(api, bob, group, first["uuid"], "👍🏽").status_code == 204  # a skin tone: its own
    assert reactions(api, bob, group) == [
        {"emoji": "❤️", "count": 2, "mine": True},
        {"emoji": "👍", "count": 1, "mine": False},
        {"emoji": "👍🏽", "count": 1, "mine": True},
    ]
    assert unreact(api, ada, group, first["uuid"], "👍").status_code == 204
    assert unreact(api, ada, group, first["uuid"], "👍").status_code == 204  # not there: fine
    assert unreact(api, ada, group, first["uuid"], "🎉").status_code == 204  # never there
    assert [r["emoji"] for r in reactions(api, ada, group)] == ["❤️", "👍🏽"]
    one = api.http.get(f"/api/messages/{group}/{first['uuid']}", headers=ada.auth).json()
    assert one["reactions"] == reactions(api, ada, group)


def test_a_reaction_never_rewrites_the_text_nor_moves_the_inbox(api: Api):
    ada, bob, group, first = talk(api, "sealed words")
    eventually(lambda: (inbox_row(api, bob, group) or {}).get("unread_count") == 1)
    before = stored(api, group, first)
    rows = [inbox_row(api, member, group) for member in (ada, bob)]
    assert react(api, bob, group, first["uuid"], "😂").status_code == 204
    after = stored(api, group, first)
    assert after[TEXT] == before[TEXT]  # the very same sealed bytes
    assert REV not in after  # not an edit: the stream keeps the preview as it is
    # A marker message after the reaction: once its preview shows, the stream has passed the
    # reaction's record, which changed no row (and no unread count).
    api.send(ada, message_group_uuid=group, message="marker")
    eventually(lambda: (inbox_row(api, bob, group) or {}).get("message") == "marker")
    assert (inbox_row(api, bob, group) or {})["unread_count"] == 2
    assert rows[0] is not None
    assert rows[0]["unread_count"] == 0
    assert messages(api, ada, group)[0]["message"] == "sealed words"


def test_racing_toggles_leave_exact_counts(api: Api):
    ada, bob, group, first = talk(api)
    emoji = ["👍", "❤️", "😂", "🎉", "🔥", "👀"]
    # Each member puts all six at once, and takes the last three away at once, twice over:
    # whatever order the writes land in, each member ends with the first three.
    calls: list[tuple[Member, str, bool]] = []
    for member in (ada, bob):
        calls += [(member, e, True) for e in emoji]
    errors: list[str] = []

    def run(member: Member, e: str, present: bool) -> None:
        with httpx.Client(base_url=api.url, timeout=30) as client:
            method = client.put if present else client.delete
            response = method(url(group, first["uuid"], e), headers=member.auth)
            if response.status_code != 204:
                errors.append(response.text)

    def race(batch: list[tuple[Member, str, bool]]) -> None:
        threads = [threading.Thread(target=run, args=call) for call in batch]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    race(calls + calls)
    race([(member, e, False) for member in (ada, bob) for e in emoji[3:]] * 2)
    assert errors == []
    expected = sorted(emoji[:3])
    for member in (ada, bob):
        shown = reactions(api, member, group)
        assert sorted(r["emoji"] for r in shown) == expected
        assert all(r["count"] == 2 and r["mine"] for r in shown)


def test_bad_reactions_are_400s_and_write_nothing(api: Api):
    ada, _, group, first = talk(api)
    assert react(api, ada, group, first["uuid"], "👍").status_code == 204
    before = snapshot(api)
    for bad in ("a", "👍👍", "👍 ", " ", "1", "ok", "<b>", "\u200d", "🇫", "x" * 300, "%"):
        response = react(api, ada, group, first["uuid"], bad)
        assert (response.status_code, error_code(response)) == (400, "invalid"), bad
        assert response.json()["errors"][0]["field"] == "emoji"
    assert snapshot(api) == before


def test_each_member_has_at_most_ten_reactions_on_a_message(api: Api):
    ada, _, group, first = talk(api)
    some = ["😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊"]
    for e in some[:MOST_PER_MEMBER]:
        assert react(api, ada, group, first["uuid"], e).status_code == 204
    before = snapshot(api)
    too_many = react(api, ada, group, first["uuid"], some[MOST_PER_MEMBER])
    assert (too_many.status_code, error_code(too_many)) == (400, "invalid")
    assert snapshot(api) == before
    # One already there is no new one; and taking one away makes room.
    assert react(api, ada, group, first["uuid"], some[0]).status_code == 204
    assert unreact(api, ada, group, first["uuid"], some[0]).status_code == 204
    assert react(api, ada, group, first["uuid"], some[MOST_PER_MEMBER]).status_code == 204


def test_members_only_and_real_messages_only(api: Api):
    ada, _, group, first = talk(api)
    eve = api.signup()
    _, _, other_group, other_first = talk(api)
    before = snapshot(api)
    for member, g, m, status in (
        (eve, group, first["uuid"], 404),  # not a member: as if there were no such group
        (ada, group, other_first["uuid"], 404),  # a message of another conversation
        (ada, other_group, other_first["uuid"], 404),
        (ada, group, "not-a-uuid", 400),
        (ada, "not-a-uuid", first["uuid"], 400),
        (ada, group, "0190a4b2-0000-7000-8000-000000000000", 404),  # a well-formed stranger
    ):
        assert react(api, member, g, m, "👍").status_code == status, (g, m)
        assert unreact(api, member, g, m, "👍").status_code == status, (g, m)
    no_token = api.http.put(url(group, first["uuid"], "👍"))
    assert no_token.status_code == 401
    assert snapshot(api) == before


def test_a_deleted_message_takes_its_reactions_and_takes_no_more(api: Api):
    ada, bob, group, first = talk(api)
    assert react(api, bob, group, first["uuid"], "👍").status_code == 204
    gone = api.http.delete(f"/api/messages/{group}/{first['uuid']}", headers=ada.auth)
    assert gone.status_code == 204
    assert reactions(api, bob, group) == []
    late = react(api, bob, group, first["uuid"], "👍")
    assert (late.status_code, error_code(late)) == (409, "conflict")
    assert unreact(api, bob, group, first["uuid"], "👍").status_code == 204


def test_a_block_stops_reactions_but_not_taking_yours_away(api: Api):
    ada, bob, group, first = talk(api)
    assert react(api, bob, group, first["uuid"], "👍").status_code == 204
    blocked = api.http.post(f"/api/users/@{bob.handle}/block", headers=ada.auth)
    assert blocked.status_code == 204, blocked.text
    for member in (ada, bob):  # whichever of the two blocks the other
        refused = react(api, member, group, first["uuid"], "🎉")
        assert (refused.status_code, error_code(refused)) == (403, "blocked")
    assert unreact(api, bob, group, first["uuid"], "👍").status_code == 204
    assert reactions(api, ada, group) == []
