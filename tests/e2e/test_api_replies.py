"""Replies through HTTP on DynamoDB Local: the quote follows the original's current state,
bad targets are 400s that write nothing, keyed retries answer as the first attempt did."""

from __future__ import annotations

import uuid
from typing import Any

from cruddur.adapters.dynamodb.attributes import REPLY_TO
from tests.e2e.conftest import Api, snapshot, stream_caught_up
from tests.e2e.test_api_chat import error_code, messages, talk
from tests.e2e.test_api_reactions import stored


def test_a_reply_quotes_the_original_as_it_reads_now(api: Api):
    ada, bob, group, first = talk(api, "lunch at noon?")
    reply = api.send(bob, message_group_uuid=group, message="yes!", reply_to=first["uuid"])
    assert reply["reply_to"] == {
        "uuid": first["uuid"],
        "handle": ada.handle,
        "display_name": ada.handle.title(),
        "preview": "lunch at noon?",
        "deleted": False,
    }
    plain = api.send(ada, message_group_uuid=group, message="great")
    assert plain["reply_to"] is None
    page = messages(api, ada, group)
    assert [m["reply_to"] for m in page] == [None, reply["reply_to"], None]
    # The original edited: every reader sees the quote follow.
    edited = api.http.patch(
        f"/api/messages/{group}/{first['uuid']}", json={"message": "lunch at one?"},
        headers=ada.auth,
    )  # fmt: skip
    assert edited.status_code == 200
    assert messages(api, bob, group)[1]["reply_to"]["preview"] == "lunch at one?"
    one = api.http.get(f"/api/messages/{group}/{reply['uuid']}", headers=bob.auth).json()
    assert one["reply_to"]["preview"] == "lunch at one?"
    # Deleted: the quote says so and shows no text.
    gone = api.http.delete(f"/api/messages/{group}/{first['uuid']}", headers=ada.auth)
    assert gone.status_code == 204
    quote = messages(api, bob, group)[1]["reply_to"]
    assert (quote["uuid"], quote["preview"], quote["deleted"]) == (first["uuid"], "", True)


def test_the_quote_of_an_original_on_an_older_page_is_there_too(api: Api):
    ada, bob, group, first = talk(api, "x" * 300)
    for n in range(3):
        api.send(ada, message_group_uuid=group, message=f"more {n}")
    reply = api.send(bob, message_group_uuid=group, message="re", reply_to=first["uuid"])
    [newest] = messages(api, bob, group, limit=1)
    assert newest["uuid"] == reply["uuid"]
    assert newest["reply_to"]["preview"] == "x" * 119 + "…"  # the start of a long text
    # The reply stores the original's id, not a copy of its words.
    item = stored(api, group, reply)
    assert item[REPLY_TO] == {"S": first["uuid"]}
    assert b"xxx" not in repr(item).encode()


def test_replies_to_what_is_not_a_message_of_this_conversation_are_400s(api: Api):
    ada, bob, group, first = talk(api)
    carol, dan, other_group, other_first = talk(api)
    gone = api.send(ada, message_group_uuid=group, message="soon deleted")
    api.http.delete(f"/api/messages/{group}/{gone['uuid']}", headers=ada.auth)
    stranger = api.signup()
    # The stream still writes both conversations' inbox rows: only a request may change the table.
    stream_caught_up(api, group, ada.uuid, bob.uuid)
    stream_caught_up(api, other_group, carol.uuid, dan.uuid)
    before = snapshot(api)
    cases: list[dict[str, Any]] = [
        {"message_group_uuid": group, "reply_to": other_first["uuid"]},  # another conversation's
        {"message_group_uuid": group, "reply_to": str(uuid.uuid4())},  # no such message
        {"message_group_uuid": group, "reply_to": "0190a4b2-0000-7000-8000-000000000000"},
        {"message_group_uuid": group, "reply_to": "not a uuid"},
        {"message_group_uuid": group, "reply_to": gone["uuid"]},  # deleted
        {"message_group_uuid": group, "reply_to": ""},
        # To a handle: a new conversation has nothing to reply to.
        {"handle": stranger.handle, "reply_to": first["uuid"]},
    ]
    for body in cases:
        response = api.http.post("/api/messages", json={"message": "re", **body}, headers=bob.auth)
        assert response.status_code == 400, (body, response.text)
        assert error_code(response) == "invalid"
        assert response.json()["errors"][0]["field"] == "reply_to", body
    not_text = {"message": "re", "reply_to": 5, "message_group_uuid": group}
    assert api.http.post("/api/messages", json=not_text, headers=bob.auth).status_code == 422
    assert snapshot(api) == before
    # To a handle of a conversation that exists: it is a reply there.
    by_handle = api.send(bob, handle=ada.handle, message="re", reply_to=first["uuid"])
    assert by_handle["message_group_uuid"] == group
    assert by_handle["reply_to"]["uuid"] == first["uuid"]


def test_a_keyed_reply_replays_as_the_first_attempt_and_its_key_binds_the_target(api: Api):
    ada, bob, group, first = talk(api, "one")
    second = api.send(ada, message_group_uuid=group, message="two")
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = {"message_group_uuid": group, "message": "agreed", "reply_to": first["uuid"]}
    answers = [api.http.post("/api/messages", json=body, headers=bob.auth | key) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert answers[1].json()["reply_to"]["uuid"] == first["uuid"]
    other = api.http.post(
        "/api/messages", json=body | {"reply_to": second["uuid"]}, headers=bob.auth | key
    )
    assert (other.status_code, error_code(other)) == (409, "conflict")
    assert [m["message"] for m in messages(api, ada, group)] == ["one", "two", "agreed"]
