"""Rate limits over HTTP (defect 3 of issue 14): per user, per client address and per (account,
address); 429 with Retry-After and the JSON error body; shared by API processes through Redis."""

from __future__ import annotations

import uuid
from contextlib import ExitStack

import httpx

from tests.e2e.conftest import running, second_process, snapshot, stream_caught_up

PASSWORD = "correct horse battery"


def _from(address: str) -> dict[str, str]:
    # The test client plays the load balancer (127.0.0.1, trusted below): it says who the
    # client is.
    return {"X-Forwarded-For": address}


PROXIED = {"trusted_proxies": "127.0.0.1"}


def _refused(response: httpx.Response, window: int) -> None:
    assert response.status_code == 429, response.text
    # At most a window and a count's share of it (the requests that filled a window fade
    # through the next one).
    assert 1 <= int(response.headers["Retry-After"]) <= 2 * window
    assert response.json()["errors"][0]["code"] == "too_many_attempts"


def test_a_user_sending_too_fast_is_refused_and_others_are_not(settings, store):
    with running(settings, store, limit_send_per_minute=5) as api:
        ada, bob = api.signup(), api.signup()
        group = api.send(ada, handle=bob.handle, message="0")["message_group_uuid"]
        for n in range(4):
            api.send(ada, message_group_uuid=group, message=str(n))
        stream_caught_up(api, group, ada.uuid, bob.uuid)
        before = snapshot(api)
        body = {"message_group_uuid": group, "message": "one too many"}
        _refused(api.http.post("/api/messages", json=body, headers=ada.auth), 60)
        assert snapshot(api) == before  # refused before anything is written
        api.send(bob, message_group_uuid=group, message="bob is not ada")


def test_sign_ups_are_limited_per_client_address(settings, store):
    with running(settings, store, limit_signups_per_hour=3, **PROXIED) as api:

        def sign_up(address: str) -> httpx.Response:
            handle = f"s{uuid.uuid4().hex[:10]}"
            body = {"handle": handle, "display_name": "S", "email": f"{handle}@example.org"}
            return api.http.post(
                "/api/auth/signup", json=body | {"password": PASSWORD}, headers=_from(address)
            )

        before = api.runtime.users.count()
        assert [sign_up("203.0.113.9").status_code for _ in range(3)] == [201] * 3
        _refused(sign_up("203.0.113.9"), 3600)
        assert api.runtime.users.count() == before + 3
        assert sign_up("198.51.100.7").status_code == 201


def test_guessing_from_one_address_cannot_lock_the_owner_out(settings, store):
    with running(settings, store, limit_login_failures=3, **PROXIED) as api:
        owner = api.signup()
        wrong = {"handle": owner.handle, "password": "not the password"}
        right = {"handle": owner.handle, "password": PASSWORD}
        for _ in range(3):
            guess = api.http.post("/api/auth/login", json=wrong, headers=_from("203.0.113.66"))
            assert guess.status_code == 401
        _refused(api.http.post("/api/auth/login", json=right, headers=_from("203.0.113.66")), 900)
        mine = api.http.post("/api/auth/login", json=right, headers=_from("198.51.100.7"))
        assert mine.status_code == 200


def test_sign_in_attempts_are_limited_per_address_across_accounts(settings, store):
    with running(settings, store, limit_logins_per_address=4) as api:
        for n in range(4):
            spray = {"handle": f"nobody_{n}", "password": "password1"}
            assert api.http.post("/api/auth/login", json=spray).status_code == 401
        spray = {"handle": "nobody_5", "password": "password1"}
        _refused(api.http.post("/api/auth/login", json=spray), 900)


def test_live_event_streams_per_user_are_bounded(settings, store):
    with running(settings, store, limit_streams_per_user=2) as api, ExitStack() as streams:
        ada = api.signup()
        cookies = {"cruddur_session": ada.token}
        client = httpx.Client(base_url=api.url, cookies=cookies, timeout=10)
        streams.callback(client.close)
        opened = [streams.enter_context(client.stream("GET", "/web/events")) for _ in range(2)]
        assert [r.status_code for r in opened] == [200, 200]
        _refused(client.get("/web/events"), 60)
        opened[0].close()
        with client.stream("GET", "/web/events") as again:
            assert again.status_code == 200


def test_api_processes_share_the_counts_through_redis(settings, store, redis_url):
    shared = {"limit_send_per_minute": 4, **second_process(settings, redis_url)}
    with (
        running(settings, store, **shared) as one,
        running(settings, store, **shared, data_dir=settings.data_dir / "two") as two,
    ):
        ada, bob = one.signup(), one.signup()
        group = one.send(ada, handle=bob.handle, message="0")["message_group_uuid"]
        one.send(ada, message_group_uuid=group, message="1")
        two.send(ada, message_group_uuid=group, message="2")
        two.send(ada, message_group_uuid=group, message="3")
        body = {"message_group_uuid": group, "message": "4"}
        _refused(one.http.post("/api/messages", json=body, headers=ada.auth), 60)
        _refused(two.http.post("/api/messages", json=body, headers=ada.auth), 60)


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(settings, store):
    with running(settings, store, limit_signups_per_hour=2) as api:  # no proxy trusted

        def sign_up(address: str) -> int:
            handle = f"s{uuid.uuid4().hex[:10]}"
            body = {"handle": handle, "display_name": "S", "email": f"{handle}@example.org"}
            body["password"] = PASSWORD
            return api.http.post("/api/auth/signup", json=body, headers=_from(address)).status_code

        assert [sign_up(f"203.0.113.{n}") for n in range(3)] == [201, 201, 429]
