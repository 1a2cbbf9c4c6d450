"""Idempotency-Key on POST /api/messages: concurrent retries store one message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.conftest import Api, running, snapshot, stream_caught_up


def _post_concurrently(
    api: Api, auth: dict[str, str], body: dict[str, Any], key: str, times: int = 8
):
    headers = {**auth, "Idempotency-Key": key}
    with ThreadPoolExecutor(times) as pool:
        futures = [
            pool.submit(api.http.post, "/api/messages", json=body, headers=headers)
            for _ in range(times)
        ]
        return [future.result() for future in futures]


def _messages(api: Api, auth: dict[str, str], group: str) -> list[dict[str, Any]]:
    response = api.http.get(f"/api/messages/{group}", params={"limit": 100}, headers=auth)
    assert response.status_code == 200
    return list(response.json())


def test_eight_concurrent_posts_with_one_key_store_one_message(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, message="first", handle=bob.handle)["message_group_uuid"]
    body = {"message": "only once", "message_group_uuid": group}
    responses = _post_concurrently(api, ada.auth, body, "retry-1")
    assert {response.status_code for response in responses} == {200}
    assert len({response.json()["uuid"] for response in responses}) == 1
    assert [m["message"] for m in _messages(api, ada.auth, group)] == ["first", "only once"]
    # Later, the same retry again: the first result, nothing new.
    later = api.http.post(
        "/api/messages", json=body, headers={**ada.auth, "Idempotency-Key": "retry-1"}
    )
    assert later.json() == responses[0].json()
    assert len(_messages(api, ada.auth, group)) == 2


def test_eight_concurrent_starts_with_one_key_make_one_group_and_one_message(api: Api):
    ada, bob = api.signup(), api.signup()
    body = {"message": "hello, new conversation", "handle": bob.handle}
    responses = _post_concurrently(api, ada.auth, body, "start-1")
    assert {response.status_code for response in responses} == {200}
    assert len({response.json()["uuid"] for response in responses}) == 1
    groups = {response.json()["message_group_uuid"] for response in responses}
    assert len(groups) == 1
    assert len(_messages(api, bob.auth, groups.pop())) == 1


def test_the_same_key_with_another_body_is_a_conflict(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, message="first", handle=bob.handle)["message_group_uuid"]
    headers = {**ada.auth, "Idempotency-Key": "k"}
    first = api.http.post(
        "/api/messages", json={"message": "one", "message_group_uuid": group}, headers=headers
    )
    other = api.http.post(
        "/api/messages", json={"message": "two", "message_group_uuid": group}, headers=headers
    )
    assert first.status_code == 200
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert [m["message"] for m in _messages(api, ada.auth, group)] == ["first", "one"]


def test_keys_belong_to_their_user(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, message="first", handle=bob.handle)["message_group_uuid"]
    for member, text in ((ada, "from ada"), (bob, "from bob")):
        response = api.http.post(
            "/api/messages",
            json={"message": text, "message_group_uuid": group},
            headers={**member.auth, "Idempotency-Key": "same-key"},
        )
        assert response.status_code == 200
    texts = [m["message"] for m in _messages(api, ada.auth, group)]
    assert texts == ["first", "from ada", "from bob"]


def test_without_a_key_each_post_is_a_new_message(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, message="same", handle=bob.handle)["message_group_uuid"]
    api.send(ada, message="same", message_group_uuid=group)
    assert len(_messages(api, ada.auth, group)) == 2


def _keyed(api: Api, auth: dict[str, str], body: dict[str, Any], key: str):
    return api.http.post("/api/messages", json=body, headers={**auth, "Idempotency-Key": key})


def test_a_replay_after_an_edit_a_deletion_or_a_block_answers_as_the_first_attempt(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, handle=bob.handle, message="hi")["message_group_uuid"]
    body = {"message": "the first words", "message_group_uuid": group}
    first = _keyed(api, ada.auth, body, "replay-after-change")
    assert first.status_code == 200
    message = first.json()["uuid"]

    edited = api.http.patch(
        f"/api/messages/{group}/{message}", json={"message": "better words"}, headers=ada.auth
    )
    assert edited.status_code == 200
    again = _keyed(api, ada.auth, body, "replay-after-change")
    assert again.status_code == 200, again.text  # not 409: the same key and body
    assert again.json()["uuid"] == message
    assert again.json()["message"] == "better words"  # the message as it now stands

    assert api.http.delete(f"/api/messages/{group}/{message}", headers=ada.auth).status_code == 204
    gone = _keyed(api, ada.auth, body, "replay-after-change")
    assert gone.status_code == 200, gone.text
    assert gone.json()["uuid"] == message
    assert gone.json()["deleted"] is True
    assert not gone.json()["message"]

    # Stored, then the recipient blocks the sender: the replay still answers as the first did.
    start = {"message": "before the block", "handle": bob.handle}
    stored = _keyed(api, ada.auth, start, "replay-after-block")
    assert stored.status_code == 200
    assert api.http.post(f"/api/users/@{ada.handle}/block", headers=bob.auth).status_code in {
        200,
        201,
        204,
    }
    replay = _keyed(api, ada.auth, start, "replay-after-block")
    assert replay.status_code == 200, replay.text
    assert replay.json()["uuid"] == stored.json()["uuid"]
    # A new key is refused as any new send is, and writes nothing.
    stream_caught_up(api, group, ada.uuid, bob.uuid)
    before = snapshot(api)
    fresh = _keyed(api, ada.auth, start, "new-after-block")
    assert fresh.status_code == 403
    assert snapshot(api) == before
    assert len(_messages(api, ada.auth, group)) == 3  # hi, the edited one, the one before


def test_a_send_refused_by_the_limit_writes_no_claim_and_a_replay_of_a_stored_one_passes(
    settings, store
):
    with running(settings, store, limit_send_per_minute=3) as api:
        ada, bob = api.signup(), api.signup()
        group = api.send(ada, handle=bob.handle, message="one")["message_group_uuid"]
        body = {"message": "two", "message_group_uuid": group}
        assert _keyed(api, ada.auth, body, "within").status_code == 200
        api.send(ada, message_group_uuid=group, message="three")
        stream_caught_up(api, group, ada.uuid, bob.uuid)
        before = snapshot(api)
        refused = _keyed(api, ada.auth, {**body, "message": "four"}, "past-the-limit")
        assert refused.status_code == 429
        assert snapshot(api) == before  # no idempotency claim left behind
        replay = _keyed(api, ada.auth, body, "within")
        assert replay.status_code == 200, replay.text  # stored before the limit: as it was
        assert snapshot(api) == before
