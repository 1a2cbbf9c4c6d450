"""Group conversations over HTTP, on DynamoDB Local with the stream poller: starting one,
sending, unread per member, adding, removing, leaving, roles, renames, event items, access."""

from __future__ import annotations

import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.e2e.conftest import (
    Api,
    Member,
    eventually,
    running,
    second_process,
    stream_caught_up,
)
from tests.e2e.test_api_chat import error_code, inbox_row


def start(api: Api, creator: Member, *others: Member, **body: Any) -> httpx.Response:
    payload = {"handles": [m.handle for m in others], **body}
    return api.http.post("/api/message_groups", json=payload, headers=creator.auth)


def group_of(api: Api, creator: Member, *others: Member, **body: Any) -> dict[str, Any]:
    response = start(api, creator, *others, **body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def page(api: Api, member: Member, group: str) -> httpx.Response:
    return api.http.get(f"/api/messages/{group}", headers=member.auth)


def detail(api: Api, member: Member, group: str) -> httpx.Response:
    return api.http.get(f"/api/message_groups/{group}", headers=member.auth)


def test_a_group_starts_sends_and_counts_unread_per_member(api: Api):
    ada, bruno, chen = api.signup("ada"), api.signup("bruno"), api.signup("chen")
    group = group_of(api, ada, bruno, chen, title="Trip")
    g = group["uuid"]
    assert group["kind"] == "group"
    assert group["title"] == "Trip"
    assert group["member_count"] == 3
    assert [(m["handle"], m["role"]) for m in group["members"]] == [
        ("ada", "admin"),
        ("bruno", "member"),
        ("chen", "member"),
    ]
    # Everyone has the row at once (written with the group), its start unread by no one.
    for member in (ada, bruno, chen):
        row = inbox_row(api, member, g)
        assert row is not None
        assert row["display_name"] == "Trip"
        assert row["unread_count"] == 0
    api.send(bruno, message_group_uuid=g, message="hello all")
    api.send(chen, message_group_uuid=g, message="hi!")
    stream_caught_up(api, g, ada.uuid, bruno.uuid, chen.uuid)
    counts = {m.handle: inbox_row(api, m, g)["unread_count"] for m in (ada, bruno, chen)}  # type: ignore[index]
    assert counts == {"ada": 2, "bruno": 1, "chen": 1}
    shown = page(api, ada, g).json()
    assert [m["message"] for m in shown] == ["Ada started the group “Trip”", "hello all", "hi!"]
    assert shown[0]["event"] == {
        "kind": "created",
        "actor": ada.uuid,
        "target": None,
        "title": "Trip",
    }
    assert shown[1]["event"] is None
    assert shown[1]["user_uuid"] == bruno.uuid
    # Reading is per member: Ada's read shows in the group's "Seen by", nobody else's changes.
    assert api.http.post(f"/api/message_groups/{g}/read", headers=ada.auth).status_code == 204
    seen = {m["handle"]: m["read_until"] for m in detail(api, bruno, g).json()["members"]}
    assert seen["ada"] == shown[-1]["created_at"]
    assert seen["chen"] is None
    assert inbox_row(api, bruno, g)["unread_count"] == 1  # type: ignore[index]


def test_a_row_without_a_title_names_the_members(api: Api):
    ada, *others = (api.signup() for _ in range(5))
    g = group_of(api, ada, *others)["uuid"]
    row = inbox_row(api, ada, g)
    assert row is not None
    names = [o.handle.title() for o in others]
    assert row["display_name"] == f"{names[0]}, {names[1]} and 2 others"
    assert row["handle"] == ""
    assert row["member_count"] == 5


def test_one_handle_is_the_direct_conversation(api: Api):
    ada, bruno = api.signup(), api.signup()
    first = start(api, ada, bruno)
    assert first.status_code == 201, first.text
    again = start(api, bruno, ada)
    assert again.status_code == 200
    assert again.json()["uuid"] == first.json()["uuid"]
    assert first.json()["kind"] == "direct"
    # It is the one conversation of the pair: a send to the handle lands in it.
    sent = api.send(ada, handle=bruno.handle, message="hi")
    assert sent["message_group_uuid"] == first.json()["uuid"]
    members = api.http.post(
        f"/api/message_groups/{sent['message_group_uuid']}/members",
        json={"handles": [api.signup().handle]},
        headers=ada.auth,
    )
    assert members.status_code == 400, members.text


def test_added_members_read_from_joining_and_removed_ones_lose_access(api: Api):
    ada, bruno, chen, dana = (api.signup() for _ in range(4))
    g = group_of(api, ada, bruno, chen)["uuid"]
    api.send(bruno, message_group_uuid=g, message="before dana")
    added = api.http.post(
        f"/api/message_groups/{g}/members", json={"handles": [dana.handle]}, headers=ada.auth
    )
    assert added.status_code == 200, added.text
    assert [m["handle"] for m in added.json()["members"]][-1] == dana.handle
    api.send(chen, message_group_uuid=g, message="after dana")
    stream_caught_up(api, g, ada.uuid, bruno.uuid, chen.uuid, dana.uuid)
    texts = [m["message"] for m in page(api, dana, g).json()]
    assert "before dana" not in texts
    assert texts[-1] == "after dana"
    assert texts[0].endswith(f"added {dana.handle.title()}")
    assert inbox_row(api, dana, g)["unread_count"] == 1  # type: ignore[index]
    # Only admins add and remove; a member may not.
    refused = api.http.delete(f"/api/message_groups/{g}/members/@{chen.handle}", headers=bruno.auth)
    assert refused.status_code == 403
    assert error_code(refused) == "not_admin"
    removed = api.http.delete(f"/api/message_groups/{g}/members/@{chen.handle}", headers=ada.auth)
    assert removed.status_code == 204, removed.text
    assert page(api, chen, g).status_code == 404
    sent = api.http.post(
        "/api/messages", json={"message_group_uuid": g, "message": "x"}, headers=chen.auth
    )
    assert sent.status_code == 404
    api.send(bruno, message_group_uuid=g, message="without chen")
    stream_caught_up(api, g, ada.uuid, bruno.uuid)
    # The row left Chen's inbox, and no late record brings it back.
    assert inbox_row(api, chen, g) is None
    assert detail(api, ada, g).json()["member_count"] == 3


def test_the_last_admin_leaving_makes_the_longest_standing_member_one(api: Api):
    ada, bruno, chen = api.signup(), api.signup(), api.signup()
    g = group_of(api, ada, bruno, chen)["uuid"]
    left = api.http.delete(f"/api/message_groups/{g}/members/@{ada.handle}", headers=ada.auth)
    assert left.status_code == 204
    roles = {m["handle"]: m["role"] for m in detail(api, bruno, g).json()["members"]}
    assert roles == {bruno.handle: "admin", chen.handle: "member"}
    texts = [m["message"] for m in page(api, bruno, g).json()]
    assert texts[-1] == f"{ada.handle.title()} left"
    made = api.http.patch(
        f"/api/message_groups/{g}/members/@{chen.handle}",
        json={"role": "admin"},
        headers=bruno.auth,
    )
    assert made.status_code == 200, made.text
    renamed = api.http.patch(f"/api/message_groups/{g}", json={"title": "Us"}, headers=chen.auth)
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Us"
    eventually(lambda: (inbox_row(api, bruno, g) or {}).get("display_name") == "Us")


def test_bad_group_requests_are_4xx_and_write_nothing(api: Api):
    ada, bruno, chen = api.signup(), api.signup(), api.signup()
    assert start(api, ada).status_code == 422
    assert start(api, ada, ada).status_code == 400
    missing = api.http.post(
        "/api/message_groups", json={"handles": [bruno.handle, "nobody_here"]}, headers=ada.auth
    )
    assert missing.status_code == 404
    long = start(api, ada, bruno, chen, title="x" * 101)
    assert long.status_code == 422
    assert error_code(long) == "invalid"
    blocked = api.http.post(f"/api/users/@{ada.handle}/block", headers=chen.auth)
    assert blocked.status_code in (200, 201, 204), blocked.text
    refused = start(api, ada, bruno, chen)
    assert refused.status_code == 403
    assert error_code(refused) == "blocked"
    assert api.http.get("/api/message_groups", headers=ada.auth).json() == []


def test_a_keyed_start_retried_makes_one_group(api: Api):
    ada, bruno, chen = api.signup(), api.signup(), api.signup()
    headers = {**ada.auth, "Idempotency-Key": "start-1"}
    body = {"handles": [bruno.handle, chen.handle]}
    first = api.http.post("/api/message_groups", json=body, headers=headers)
    again = api.http.post("/api/message_groups", json=body, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["uuid"] == again.json()["uuid"]
    other = api.http.post("/api/message_groups", json={"handles": [bruno.handle]}, headers=headers)
    assert other.status_code == 409


def test_reactions_replies_edits_and_deletions_work_in_a_group(api: Api):
    ada, bruno, chen = api.signup(), api.signup(), api.signup()
    g = group_of(api, ada, bruno, chen)["uuid"]
    first = api.send(bruno, message_group_uuid=g, message="first")
    reply = api.send(chen, message_group_uuid=g, message="a reply", reply_to=first["uuid"])
    assert reply["reply_to"]["uuid"] == first["uuid"]
    for member in (ada, chen):
        put = api.http.put(f"/api/messages/{g}/{first['uuid']}/reactions/👍", headers=member.auth)
        assert put.status_code == 204, put.text
    edited = api.http.patch(
        f"/api/messages/{g}/{first['uuid']}", json={"message": "first, edited"}, headers=bruno.auth
    )
    assert edited.status_code == 200, edited.text
    shown = {m["uuid"]: m for m in page(api, ada, g).json()}
    assert shown[first["uuid"]]["message"] == "first, edited"
    assert shown[first["uuid"]]["reactions"] == [{"emoji": "👍", "count": 2, "mine": True}]
    not_theirs = api.http.delete(f"/api/messages/{g}/{first['uuid']}", headers=chen.auth)
    assert not_theirs.status_code in (403, 404)
    gone = api.http.delete(f"/api/messages/{g}/{first['uuid']}", headers=bruno.auth)
    assert gone.status_code == 204
    tombstone = {m["uuid"]: m for m in page(api, chen, g).json()}[first["uuid"]]
    assert tombstone["deleted"] is True
    assert tombstone["reactions"] == []


def test_an_erased_member_leaves_every_group_and_the_export_lists_members(api: Api):
    ada, bruno, chen = api.signup(), api.signup(), api.signup()
    g = group_of(api, ada, bruno, chen, title="Book club")["uuid"]
    api.send(chen, message_group_uuid=g, message="chen's words")
    exported = api.http.get("/api/me/export", headers=ada.auth)
    assert exported.status_code == 200, exported.text
    document = json.loads(zipfile.ZipFile(io.BytesIO(exported.content)).read("cruddur-export.json"))
    [conversation] = document["conversations"]
    assert conversation["kind"] == "group"
    assert conversation["title"] == "Book club"
    assert [m["handle"] for m in conversation["members"]] == [ada.handle, bruno.handle, chen.handle]
    gone = api.http.request(
        "DELETE", "/api/me", json={"password": "correct horse battery"}, headers=chen.auth
    )
    assert gone.status_code == 204, gone.text
    members = detail(api, ada, g).json()["members"]
    assert [m["handle"] for m in members] == [ada.handle, bruno.handle]
    shown = page(api, bruno, g).json()
    assert shown[-1]["message"] == "A deleted account left"
    words = [m for m in shown if m["user_uuid"] == chen.uuid and m["event"] is None]
    assert [(m["message"], m["deleted"]) for m in words] == [("", True)]


def test_a_removed_member_loses_access_at_once_in_every_api_process(settings, store, redis_url):
    shared = second_process(settings, redis_url)
    with (
        running(settings, store, **shared) as one,
        running(settings, store, **shared, data_dir=settings.data_dir / "two") as two,
    ):
        ada, bruno, chen = one.signup(), one.signup(), one.signup()
        g = group_of(one, ada, bruno, chen)["uuid"]
        # Chen's access is read, then kept, by the second process.
        for n in range(3):
            two.send(chen, message_group_uuid=g, message=f"chen {n}")
        assert page(two, chen, g).status_code == 200
        gone = one.http.delete(f"/api/message_groups/{g}/members/@{chen.handle}", headers=ada.auth)
        assert gone.status_code == 204
        # The very next request to the other process is a stranger's.
        body = {"message_group_uuid": g, "message": "still here?"}
        assert two.http.post("/api/messages", json=body, headers=chen.auth).status_code == 404
        assert page(two, chen, g).status_code == 404
        # Added back, Chen reads from the new joining on, through either process.
        back = one.http.post(
            f"/api/message_groups/{g}/members", json={"handles": [chen.handle]}, headers=ada.auth
        )
        assert back.status_code == 200
        texts = [m["message"] for m in page(two, chen, g).json()]
        assert texts == [f"{ada.handle.title()} added {chen.handle.title()}"]
        two.send(chen, message_group_uuid=g, message="back")


def test_two_tries_of_one_keyed_start_at_once_make_one_group(api: Api):
    ada, bruno, chen = api.signup(), api.signup(), api.signup()
    headers = {**ada.auth, "Idempotency-Key": "start-at-once"}
    body = {"handles": [bruno.handle, chen.handle], "title": "Once"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda _: api.http.post("/api/message_groups", json=body, headers=headers),
                range(4),
            )
        )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 1, [a.text for a in answers]  # one made it; the rest found it
    assert codes.count(200) == 3
    assert len({a.json()["uuid"] for a in answers}) == 1
    rows = api.http.get("/api/message_groups", headers=ada.auth).json()
    assert [r["title"] for r in rows] == ["Once"]
