"""Edit and delete, seen, typing and block through HTTP, on DynamoDB Local, with the poller."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from cruddur.domain.ids import message_uuid_at
from cruddur.domain.model import UNREAD_CAP
from tests.e2e.conftest import Api, Member, eventually, running, snapshot


def talk(api: Api, text: str = "hello") -> tuple[Member, Member, str, dict[str, Any]]:
    ada, bob = api.signup(), api.signup()
    first = api.send(ada, handle=bob.handle, message=text)
    return ada, bob, first["message_group_uuid"], first


def messages(api: Api, member: Member, group: str, **params: Any) -> list[dict[str, Any]]:
    response = api.http.get(f"/api/messages/{group}", params=params, headers=member.auth)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def inbox_row(api: Api, member: Member, group: str) -> dict[str, Any] | None:
    rows = api.http.get("/api/message_groups", headers=member.auth).json()
    return next((row for row in rows if row["uuid"] == group), None)


def shows(api: Api, member: Member, group: str, field: str, value: Any) -> bool:
    return bool((inbox_row(api, member, group) or {}).get(field) == value)


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["code"]
    return code


@contextmanager
def listening(api: Api, member: Member) -> Iterator[list[dict[str, Any]]]:
    """The member's live events, as their browser's stream delivers them."""
    events: list[dict[str, Any]] = []
    connected, stop = threading.Event(), threading.Event()

    def listen() -> None:
        cookies = {"cruddur_session": member.token}
        try:
            with (
                httpx.Client(base_url=api.url, cookies=cookies, timeout=30) as client,
                client.stream("GET", "/web/events") as stream,
            ):
                for line in stream.iter_lines():
                    connected.set()
                    if line.startswith("data: "):
                        events.append(json.loads(line.removeprefix("data: ")))
                    if stop.is_set():
                        return
        except httpx.HTTPError:
            if not stop.is_set():  # the server went away at the end of the test: fine
                raise

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert connected.wait(10), "the live stream did not connect"
    try:
        yield events
    finally:
        stop.set()


# ---- edit -----------------------------------------------------------------------------------


def test_the_author_edits_a_message_and_both_previews_follow(api: Api):
    ada, bob, group, first = talk(api, "helo")
    with listening(api, bob) as bob_events:
        edited = api.http.patch(
            f"/api/messages/{group}/{first['uuid']}", json={"message": " hello "}, headers=ada.auth
        )
        assert edited.status_code == 200, edited.text
        body = edited.json()
        assert body["message"] == "hello"
        assert body["uuid"] == first["uuid"]
        assert body["created_at"] == first["created_at"]
        assert body["edited_at"] is not None
        assert body["edited_at"] >= first["created_at"]
        eventually(lambda: {"type": "message", "group": group, "message_uuid": first["uuid"]}
                   in bob_events)  # fmt: skip
    [shown] = messages(api, bob, group)
    assert (shown["message"], shown["edited_at"]) == ("hello", body["edited_at"])
    one = api.http.get(f"/api/messages/{group}/{first['uuid']}", headers=bob.auth)
    assert one.json() == shown
    for member in (ada, bob):  # through the stream: a MODIFY record
        eventually(lambda m=member: shows(api, m, group, "message", "hello"))  # type: ignore[misc]
    # No new unread message for an edit: Bob still has exactly the one.
    assert (inbox_row(api, bob, group) or {})["unread_count"] == 1


def test_editing_an_older_message_leaves_the_previews_on_the_newest(api: Api):
    ada, bob, group, first = talk(api, "one")
    api.send(bob, message_group_uuid=group, message="two")
    eventually(lambda: (inbox_row(api, ada, group) or {}).get("message") == "two")
    api.http.patch(f"/api/messages/{group}/{first['uuid']}", json={"message": "uno"},
                   headers=ada.auth)  # fmt: skip
    later = api.send(ada, message_group_uuid=group, message="three")  # a marker after the edit
    eventually(lambda: (inbox_row(api, bob, group) or {}).get("message") == "three")
    texts = [m["message"] for m in messages(api, bob, group)]
    assert texts == ["uno", "two", "three"]
    assert later["uuid"] != first["uuid"]


def test_only_the_author_edits_and_bad_input_changes_nothing(api: Api):
    ada, bob, group, first = talk(api, "mine")
    eve = api.signup()
    url = f"/api/messages/{group}/{first['uuid']}"
    before = snapshot(api)
    cases: list[tuple[Member, str, Any, int, str]] = [
        (bob, url, {"message": "not yours"}, 403, "forbidden"),
        (eve, url, {"message": "not a member"}, 404, "not_found"),
        (ada, url, {"message": "   "}, 400, "invalid"),
        (ada, url, {"message": "x" * 1025}, 400, "invalid"),
        (ada, url, {"message": "x", "user_uuid": bob.uuid}, 422, "invalid"),
        (ada, url, {}, 422, "invalid"),
        (ada, f"/api/messages/{group}/not-a-uuid", {"message": "x"}, 400, "invalid"),
        (ada, f"/api/messages/not-a-uuid/{first['uuid']}", {"message": "x"}, 400, "invalid"),
        (ada, f"/api/messages/{group}/{uuid.uuid4()}", {"message": "x"}, 404, "not_found"),
        # Ours in form, but no such message: its computed key finds nothing.
        (ada, f"/api/messages/{group}/{message_uuid_at_now()}", {"message": "x"}, 404,
         "not_found"),
        # A message of another conversation, named under this one.
        (ada, f"/api/messages/{talk(api)[2]}/{first['uuid']}", {"message": "x"}, 404,
         "not_found"),
    ]  # fmt: skip
    before = snapshot(api)  # the conversation made above is not a change under test
    for member, path, payload, status, code in cases:
        response = api.http.patch(path, json=payload, headers=member.auth)
        assert response.status_code == status, (path, payload, response.text)
        assert error_code(response) == code
    assert api.http.patch(url, json={"message": "x"}).status_code == 401
    assert snapshot(api) == before


def message_uuid_at_now() -> str:
    from datetime import UTC, datetime

    return message_uuid_at(datetime.now(UTC))


# ---- delete ---------------------------------------------------------------------------------


def test_deleting_leaves_a_tombstone_in_place_and_the_cursors_stable(api: Api):
    ada, bob, group, first = talk(api, "m0")
    sent = [first] + [api.send(ada, message_group_uuid=group, message=f"m{i}") for i in (1, 2)]
    page = api.http.get(f"/api/messages/{group}", params={"limit": 2}, headers=bob.auth)
    cursor = page.headers["X-Next-Cursor"]
    with listening(api, bob) as bob_events:
        gone = api.http.delete(f"/api/messages/{group}/{sent[0]['uuid']}", headers=ada.auth)
        assert gone.status_code == 204
        assert gone.content == b""
        eventually(lambda: any(e.get("message_uuid") == sent[0]["uuid"] for e in bob_events))
    older = api.http.get(
        f"/api/messages/{group}", params={"limit": 2, "cursor": cursor}, headers=bob.auth
    )
    assert older.status_code == 200  # the cursor handed out before the deletion still works
    [tombstone] = older.json()
    assert tombstone["uuid"] == sent[0]["uuid"]
    assert (tombstone["deleted"], tombstone["message"]) == (True, "")
    assert tombstone["edited_at"] is not None
    assert [m["uuid"] for m in messages(api, bob, group)] == [m["uuid"] for m in sent]
    # Again: nothing changes, still 204. Editing it now is a conflict. (First the stream's own
    # work on the deletion: the deleted message leaves Bob's unread set, 3 → 2.)
    eventually(lambda: shows(api, bob, group, "unread_count", 2))
    again = snapshot(api)
    url = f"/api/messages/{group}/{sent[0]['uuid']}"
    assert api.http.delete(url, headers=ada.auth).status_code == 204
    edit = api.http.patch(url, json={"message": "back"}, headers=ada.auth)
    assert (edit.status_code, error_code(edit)) == (409, "conflict")
    assert snapshot(api) == again
    # No text is kept for it: not in the item, not in a preview.
    [item] = [i for i in again if i.get("message_uuid", {}).get("S") == sent[0]["uuid"]]
    assert "message" not in item
    assert "preview" not in item


def test_deleting_the_last_message_updates_both_previews_and_the_unread_count(api: Api):
    ada, bob, group, _ = talk(api, "first")
    last = api.send(ada, message_group_uuid=group, message="regret this")
    eventually(lambda: (inbox_row(api, bob, group) or {}).get("unread_count") == 2)
    api.http.delete(f"/api/messages/{group}/{last['uuid']}", headers=ada.auth)
    for member in (ada, bob):
        eventually(lambda m=member: shows(api, m, group, "deleted", True))  # type: ignore[misc]
        row = inbox_row(api, member, group)
        assert row is not None
        assert row["message"] == ""
        assert row["created_at"] == last["created_at"]  # still ordered by when it was sent
    # A deleted message is no longer unread.
    eventually(lambda: (inbox_row(api, bob, group) or {}).get("unread_count") == 1)
    # Only the author deletes; a non-member cannot tell it exists.
    eve = api.signup()
    before = snapshot(api)
    url = f"/api/messages/{group}/{last['uuid']}"
    assert api.http.delete(url, headers=bob.auth).status_code == 403
    assert api.http.delete(url, headers=eve.auth).status_code == 404
    assert api.http.get(url, headers=eve.auth).status_code == 404
    assert snapshot(api) == before


# ---- seen ---------------------------------------------------------------------------------


def test_the_other_members_read_position_shows_on_the_inbox_and_the_page(api: Api):
    ada, bob, group, first = talk(api, "did you see this?")
    one = api.http.get(f"/api/message_groups/{group}", headers=ada.auth).json()
    assert (one["other_read_until"], one["other_read_at"]) == (None, None)
    row = inbox_row(api, ada, group)
    assert row is not None
    assert row["other_read_until"] is None
    with listening(api, ada) as ada_events:
        read = api.http.post(f"/api/message_groups/{group}/read", headers=bob.auth)
        assert read.status_code == 204
        event = eventually(lambda: next((e for e in ada_events if e["type"] == "read"), None))
    assert event["group"] == group
    assert event["read_until"] == first["created_at"]
    row = inbox_row(api, ada, group)
    assert row is not None
    assert row["other_read_until"] == first["created_at"]
    assert row["other_read_at"] == event["read_at"] >= first["created_at"]
    one = api.http.get(f"/api/message_groups/{group}", headers=ada.auth).json()
    members = one.pop("members")
    assert one == row  # the conversation on its own reads as its inbox row, with its members
    assert [m["uuid"] for m in members] == [ada.uuid, bob.uuid]
    assert members[1]["read_until"] == first["created_at"]
    eve = api.signup()
    assert api.http.get(f"/api/message_groups/{group}", headers=eve.auth).status_code == 404
    # Bob's own row says nothing of Ada's reading: she has not read anything of his.
    assert (inbox_row(api, bob, group) or {})["other_read_until"] is None


# ---- typing --------------------------------------------------------------------------------


def test_typing_reaches_the_other_member_only_and_writes_nothing(api: Api):
    ada, bob, group, _ = talk(api)
    eve = api.signup()
    before = snapshot(api)
    with listening(api, bob) as bob_events, listening(api, ada) as ada_events:
        sent = api.http.post(f"/api/message_groups/{group}/typing", headers=ada.auth)
        assert sent.status_code == 204
        event = eventually(lambda: next((e for e in bob_events if e["type"] == "typing"), None))
        assert event == {
            "type": "typing",
            "group": group,
            "handle": ada.handle,
            "display_name": ada.handle.title(),
        }
        stranger = api.http.post(f"/api/message_groups/{group}/typing", headers=eve.auth)
        assert stranger.status_code == 404
        bad = api.http.post("/api/message_groups/nope/typing", headers=ada.auth)
        assert bad.status_code == 400
        assert [e for e in ada_events if e["type"] == "typing"] == []
    assert snapshot(api) == before


def test_typing_notices_are_rate_limited(settings, store):
    with running(settings, store, limit_typing_per_minute=3) as api:
        ada, _, group, _ = talk(api)
        codes = [
            api.http.post(f"/api/message_groups/{group}/typing", headers=ada.auth).status_code
            for _ in range(5)
        ]
        assert codes == [204, 204, 204, 429, 429]


# ---- block --------------------------------------------------------------------------------


def test_a_block_stops_messages_both_ways_and_hides_the_conversation(api: Api):
    ada, bob, group, _ = talk(api, "hi Ada's friend")
    said = api.send(bob, message_group_uuid=group, message="something I may edit")
    # The stream has brought it to both rows: nothing is left to change the table behind us.
    eventually(lambda: shows(api, ada, group, "message", said["message"]))
    eventually(lambda: shows(api, bob, group, "message", said["message"]))
    blocked = api.http.post(f"/api/users/@{bob.handle}/block", headers=ada.auth)
    assert blocked.status_code == 204
    assert api.http.post(f"/api/users/@{bob.handle}/block", headers=ada.auth).status_code == 204
    listed = api.http.get("/api/blocks", headers=ada.auth).json()
    assert [b["user"]["handle"] for b in listed] == [bob.handle]
    assert api.http.get("/api/blocks", headers=bob.auth).json() == []
    assert inbox_row(api, ada, group) is None  # hidden from the blocker...
    assert inbox_row(api, bob, group) is not None  # ...not from the blocked

    before = snapshot(api)
    key = {"Idempotency-Key": "k-1"}
    attempts = [
        (bob, {"message_group_uuid": group, "message": "let me in"}, {}),
        (bob, {"handle": ada.handle, "message": "a new start"}, {}),
        (bob, {"message_group_uuid": group, "message": "keyed"}, key),
        (ada, {"message_group_uuid": group, "message": "I blocked you"}, {}),
    ]
    for member, payload, headers in attempts:
        response = api.http.post("/api/messages", json=payload, headers=member.auth | headers)
        assert response.status_code == 403, response.text
        assert error_code(response) == "blocked"
    edit = api.http.patch(f"/api/messages/{group}/{said['uuid']}", json={"message": "rude"},
                          headers=bob.auth)  # fmt: skip
    assert (edit.status_code, error_code(edit)) == (403, "blocked")  # no new words either
    assert snapshot(api) == before  # refused before anything was written, keyed or not
    gone = api.http.delete(f"/api/messages/{group}/{said['uuid']}", headers=bob.auth)
    assert gone.status_code == 204  # taking your own words back stays possible

    assert api.http.delete(f"/api/users/@{bob.handle}/block", headers=ada.auth).status_code == 204
    assert api.http.get("/api/blocks", headers=ada.auth).json() == []
    assert inbox_row(api, ada, group) is not None
    api.send(bob, message_group_uuid=group, message="friends again")


def test_blocking_needs_a_real_other_user(api: Api):
    ada = api.signup()
    before = snapshot(api)
    assert api.http.post(f"/api/users/@{ada.handle}/block", headers=ada.auth).status_code == 400
    missing = api.http.post("/api/users/@nobody_here/block", headers=ada.auth)
    assert missing.status_code == 404
    assert api.http.post("/api/users/@someone/block").status_code == 401
    assert api.http.get("/api/blocks").status_code == 401
    assert snapshot(api) == before


def test_blocking_someone_you_never_talked_to_stops_the_first_message(api: Api):
    ada, bob = api.signup(), api.signup()
    assert api.http.post(f"/api/users/@{ada.handle}/block", headers=bob.auth).status_code == 204
    response = api.http.post(
        "/api/messages", json={"handle": bob.handle, "message": "hello?"}, headers=ada.auth
    )
    assert (response.status_code, error_code(response)) == (403, "blocked")
    assert api.http.get("/api/message_groups", headers=ada.auth).json() == []


def test_unread_counts_stay_capped_through_edits(api: Api):
    # An edit is not a new message: it never adds to the unread count.
    ada, bob, group, first = talk(api, "0")
    for n in range(3):
        api.http.patch(f"/api/messages/{group}/{first['uuid']}", json={"message": f"e{n}"},
                       headers=ada.auth)  # fmt: skip
    eventually(lambda: (inbox_row(api, bob, group) or {}).get("message") == "e2")
    row = inbox_row(api, bob, group)
    assert row is not None
    assert row["unread_count"] == 1 < UNREAD_CAP


def test_every_chat_route_is_in_the_openapi_document(api: Api):
    paths = api.http.get("/openapi.json").json()["paths"]
    documented = {(path, method) for path, methods in paths.items() for method in methods}
    for path, method in [
        ("/api/messages/{message_group_uuid}/{message_uuid}", "get"),
        ("/api/messages/{message_group_uuid}/{message_uuid}", "patch"),
        ("/api/messages/{message_group_uuid}/{message_uuid}", "delete"),
        ("/api/message_groups/{message_group_uuid}", "get"),
        ("/api/message_groups/{message_group_uuid}/typing", "post"),
        ("/api/users/@{handle}/block", "post"),
        ("/api/users/@{handle}/block", "delete"),
        ("/api/blocks", "get"),
    ]:
        assert (path, method) in documented, (path, method)
    row = paths["/api/message_groups"]["get"]["responses"]["200"]["content"]["application/json"]
    shape = api.http.get("/openapi.json").json()["components"]["schemas"]["ConversationPublic"]
    assert {"other_read_until", "other_read_at", "deleted"} <= set(shape["properties"])
    assert row["schema"]["items"]["$ref"].endswith("/ConversationPublic")
