"""Signing out ends the session (defect 4 of issue 14): the token stops working at once on every
API process (a deny-list in Redis when REDIS_URL is set), and its live-event streams close."""

from __future__ import annotations

import threading

import httpx

from tests.e2e.conftest import Api, running, second_process


def test_a_signed_out_token_is_refused_by_every_api_process(settings, store, redis_url):
    shared = second_process(settings, redis_url)
    with (
        running(settings, store, **shared) as one,
        running(settings, store, **shared, data_dir=settings.data_dir / "two") as two,
    ):
        ada = one.signup()
        for api in (one, two):  # both have seen (and cached) the token as valid
            assert api.http.get("/api/me", headers=ada.auth).status_code == 200
        assert one.http.post("/api/auth/logout", headers=ada.auth).status_code == 204
        for api in (one, two):
            refused = api.http.get("/api/me", headers=ada.auth)
            assert refused.status_code == 401
            assert refused.json()["errors"][0]["code"] == "unauthorized"
            with httpx.Client(base_url=api.url, cookies={"cruddur_session": ada.token}) as browser:
                page = browser.get("/")
            assert page.status_code in {302, 303, 307}  # the pages send it to sign in
        assert one.http.post("/api/auth/logout", headers=ada.auth).status_code == 401
        again = one.http.post(
            "/api/auth/login", json={"handle": ada.handle, "password": "correct horse battery"}
        )
        assert again.status_code == 200  # signing in again works: a new session


def test_signing_out_closes_that_sessions_live_streams(api: Api):
    ada = api.signup()
    lines: list[str] = []
    ended = threading.Event()

    def listen() -> None:
        cookies = {"cruddur_session": ada.token}
        with (
            httpx.Client(base_url=api.url, cookies=cookies, timeout=30) as client,
            client.stream("GET", "/web/events") as stream,
        ):
            for line in stream.iter_lines():
                lines.append(line)
        ended.set()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    while not lines:  # connected
        assert listener.is_alive()
        ended.wait(0.05)
    assert api.http.post("/api/auth/logout", headers=ada.auth).status_code == 204
    assert ended.wait(10), "the stream stayed open after sign-out"
    assert "event: signed_out" in lines
