"""End to end over HTTP: sign up, start by handle, talk, read the inboxes, mark read, page."""

from __future__ import annotations

from typing import Any

from tests.boto import client_of, control_of
from tests.e2e.conftest import Api, Member, eventually


def test_two_users_talk_and_their_inboxes_follow(api: Api):
    ada, bob = api.signup("ada_e2e"), api.signup("bob_e2e")
    first = api.send(ada, message="hello bob", handle="BOB_E2E")
    group = first["message_group_uuid"]
    sent = [first]
    for index in range(1, 30):
        sender = bob if index % 2 else ada
        sent.append(api.send(sender, message=f"message {index}", message_group_uuid=group))
    assert {message["message_group_uuid"] for message in sent} == {group}

    def inbox_of(member: Member) -> list[dict[str, Any]] | None:
        response = api.http.get("/api/message_groups", headers=member.auth)
        assert response.status_code == 200
        rows: list[dict[str, Any]] = response.json()
        return rows if rows and rows[0]["message"] == "message 29" else None

    ada_rows = eventually(lambda: inbox_of(ada))
    bob_rows = eventually(lambda: inbox_of(bob))
    assert [(row["uuid"], row["handle"]) for row in ada_rows] == [(group, "bob_e2e")]
    assert [(row["uuid"], row["handle"]) for row in bob_rows] == [(group, "ada_e2e")]
    # Bob sent the odd ones (15 messages), Ada the even ones (15); nobody has read anything.
    assert ada_rows[0]["unread_count"] == 15
    assert bob_rows[0]["unread_count"] == 15

    read = api.http.post(f"/api/message_groups/{group}/read", headers=bob.auth)
    assert read.status_code == 204
    assert api.http.get("/api/message_groups", headers=bob.auth).json()[0]["unread_count"] == 0
    assert api.http.get("/api/message_groups", headers=ada.auth).json()[0]["unread_count"] == 15


def test_paging_over_http_returns_every_message_once_with_the_cursor_header(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, message="m0", handle=bob.handle)["message_group_uuid"]
    for index in range(1, 25):
        api.send(ada, message=f"m{index}", message_group_uuid=group)
    pages, cursor = [], None
    while True:
        params = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        response = api.http.get(f"/api/messages/{group}", params=params, headers=bob.auth)
        assert response.status_code == 200
        pages.append([message["message"] for message in response.json()])
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert [len(page) for page in pages] == [10, 10, 5]
    # Newest page first; oldest first within a page.
    assert pages[0] == [f"m{index}" for index in range(15, 25)]
    assert [text for page in reversed(pages) for text in page] == [f"m{i}" for i in range(25)]


def test_starting_again_by_handle_reuses_the_conversation(api: Api):
    ada, bob = api.signup(), api.signup()
    first = api.send(ada, message="one", handle=bob.handle)
    again = api.send(bob, message="two", handle=f"@{ada.handle.upper()}")
    assert again["message_group_uuid"] == first["message_group_uuid"]


def test_me_and_user_short_and_login(api: Api):
    ada = api.signup("ada_login")
    me = api.http.get("/api/me", headers=ada.auth).json()
    assert me == {"uuid": ada.uuid, "handle": "ada_login", "display_name": "Ada_Login"}
    short = api.http.get("/api/users/@ADA_LOGIN/short", headers=ada.auth)
    assert short.json() == me
    by_email = {"handle": "ada_login@example.org", "password": "correct horse battery"}
    login = api.http.post("/api/auth/login", json=by_email)
    assert login.status_code == 200
    assert login.json()["user"] == me
    token = login.json()["access_token"]
    assert api.http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json() == me
    wrong = api.http.post("/api/auth/login", json={**by_email, "password": "not the password"})
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["code"] == "unauthorized"
    nobody = api.http.post("/api/auth/login", json={"handle": "nobody", "password": "x" * 10})
    assert nobody.status_code == 401


def test_health_and_readiness(api: Api):
    assert api.http.get("/healthz").json() == {"status": "ok"}
    assert api.http.get("/readyz").json() == {"status": "ready"}
    assert api.http.get("/openapi.json").json()["info"]["title"] == "Cruddur Messages"


def test_readiness_and_reads_fail_cleanly_when_the_table_is_gone(api: Api):
    ada, bob = api.signup(), api.signup()
    group = api.send(ada, message="hello", handle=bob.handle)["message_group_uuid"]
    assert api.http.get(f"/api/messages/{group}", headers=ada.auth).status_code == 200
    client_of(api.store).delete_table(TableName=api.store.table.name)
    client_of(api.store).get_waiter("table_not_exists").wait(TableName=api.store.table.name)
    response = api.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["errors"][0]["field"] == "dynamodb"
    # The page reads run on the event loop's wire: its failures are the same typed errors as
    # the blocking wire's, whether membership is cached (ada) or must be read (bob).
    for path, who in (
        (f"/api/messages/{group}", ada),
        (f"/api/messages/{group}", bob),
        ("/api/message_groups", ada),
    ):
        failed = api.http.get(path, headers=who.auth)
        assert failed.status_code == 503, (path, failed.text)
        assert failed.json()["errors"][0]["code"] == "table_missing"
    # The fixture's teardown drops the table: give it one back.
    from cruddur.adapters.dynamodb import schema as dynamo_schema

    definition = dynamo_schema.table_definition(api.store.table.name)
    dynamo_schema.create_table(control_of(api.store), definition)


def test_repeated_failed_logins_are_slowed_down_per_account(api: Api):
    api.signup("guarded")
    api.signup("bystander")
    wrong = {"handle": "guarded", "password": "not the password"}
    for _ in range(10):
        assert api.http.post("/api/auth/login", json=wrong).status_code == 401
    right = {"handle": "GUARDED", "password": "correct horse battery"}
    throttled = api.http.post("/api/auth/login", json=right)
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 900 + 90  # the window, and 1/10 of it
    assert throttled.json()["errors"][0]["code"] == "too_many_attempts"
    other = {"handle": "bystander", "password": "correct horse battery"}
    assert api.http.post("/api/auth/login", json=other).status_code == 200
