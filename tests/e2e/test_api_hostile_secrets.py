"""Every place that checks a token, cursor, CSRF value or key gets non-ASCII, over-long and
malformed values: a 4xx (JSON on the API), never a 500. (`hmac.compare_digest` raised
TypeError on non-ASCII `str`: `csrf=%C3%A9` and `cursor=v1.x.%C3%A9` were 500s.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.e2e.conftest import Api, Member, snapshot, stream_caught_up

# Values as a client may send them: non-ASCII (UTF-8, Latin-1 bytes in a header), control
# characters, over-long, and shapes that look almost right.
TEXT_VALUES = [
    "é",
    "\u00e9" * 40,
    "😀",
    "v1.x.é",
    "v1.eyJwayI6Ik1TRyMxIn0.é",
    "v1.é.é",
    "v1..",
    "....",
    "\x00",
    "a\tb",
    "x" * 5000,
    "v1." + "A" * 3000 + ".AAAA",
    "v1.%%%.%%%",
    "v2.abc.def",
]
# What a header can carry at all (h11 refuses NUL and other controls before they leave).
HEADER_SAFE = [v for v in TEXT_VALUES if not any(ord(c) < 32 for c in v)]
# Raw header bytes (Latin-1 on the wire): what `X-CSRF-Token: \xe9` sends.
HEADER_VALUES = [b"\xe9", b"\xc3\xa9", b"\xff\xfe", b"x" * 4000, b"Bearer \xe9", b"..."]


@pytest.fixture
def pair(api: Api) -> tuple[Member, Member, str]:
    ada, bo = api.signup(), api.signup()
    group = api.send(ada, handle=bo.handle, message="hi")["message_group_uuid"]
    return ada, bo, group


def _no_500(response: httpx.Response, json_body: bool = True) -> None:
    assert 400 <= response.status_code < 500, (response.request.url, response.status_code)
    if json_body:
        assert response.json()["errors"][0]["code"], response.text


@contextmanager
def _cookie_session(api: Api, member: Member) -> Iterator[httpx.Client]:
    """A browser signed in by the pages (session cookie), for the CSRF checks."""
    with httpx.Client(base_url=api.url, timeout=30, follow_redirects=False) as client:
        yield _signed_in(client, member)


def _signed_in(client: httpx.Client, member: Member) -> httpx.Client:
    page = client.get("/signin")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    done = client.post(
        "/signin",
        data={"handle": member.handle, "password": "correct horse battery", "csrf": csrf},
    )
    assert done.status_code in {302, 303}, done.text
    return client


def test_cursors_of_both_pages_refuse_every_hostile_value(api: Api, pair):
    ada, _, group = pair
    for path in ("/api/message_groups", f"/api/messages/{group}"):
        for value in TEXT_VALUES:
            _no_500(api.http.get(path, params={"cursor": value}, headers=ada.auth))


def test_csrf_form_fields_refuse_every_hostile_value_without_a_sign_in(api: Api):
    for path in ("/signin", "/signup"):
        for value in TEXT_VALUES:
            response = api.http.post(path, data={"csrf": value, "handle": "x", "password": "y"})
            assert response.status_code == 403, (path, value, response.status_code)
        # Raw bytes in the form body, not even UTF-8.
        response = api.http.post(
            path,
            content=b"csrf=%E9%FF&handle=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert 400 <= response.status_code < 500


def test_the_csrf_header_of_a_cookie_session_refuses_every_hostile_value(api: Api, pair):
    ada, _, group = pair
    with _cookie_session(api, ada) as browser:
        assert browser.get("/api/me").status_code == 200
        for raw in HEADER_VALUES:
            response = browser.post(
                f"/api/message_groups/{group}/read", headers={b"X-CSRF-Token": raw}
            )
            _no_500(response)
            assert response.status_code == 403
        for value in HEADER_SAFE:
            response = browser.post(
                f"/api/message_groups/{group}/read",
                headers={b"X-CSRF-Token": value.encode("utf-8")},
            )
            _no_500(response)
        for value in TEXT_VALUES[:6]:  # the pages' own forms
            response = browser.post("/signout", data={"csrf": value})
            assert response.status_code == 403


def _bearers() -> Iterator[bytes]:
    yield from (b"Bearer " + raw for raw in HEADER_VALUES)
    yield from (b"Bearer " + value.encode("utf-8") for value in HEADER_SAFE)
    yield b"Bearer a.b.c"
    yield b"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
    yield b"Basic \xe9"


def test_bearer_tokens_and_session_cookies_refuse_every_hostile_value(api: Api):
    for header in _bearers():
        _no_500(api.http.get("/api/me", headers={b"Authorization": header}))
    for value in HEADER_SAFE:
        with httpx.Client(base_url=api.url, timeout=30) as client:
            raw = value.encode("utf-8")
            _no_500(client.get("/api/me", headers={b"Cookie": b"cruddur_session=" + raw}))
            page = client.get("/", headers={b"Cookie": b"cruddur_session=" + raw})
            assert page.status_code == 303  # to the sign-in page, as without a cookie


def test_idempotency_keys_refuse_every_hostile_value_and_write_nothing(api: Api, pair):
    ada, bo, group = pair
    stream_caught_up(api, group, ada.uuid, bo.uuid)
    before = snapshot(api)
    # Any printable ASCII up to 255 characters is a key a client may choose; these are not.
    hostile = [v.encode("utf-8") for v in HEADER_SAFE if not v.isascii() or len(v) > 255]
    for raw in [*(v for v in HEADER_VALUES if not v.isascii() or len(v) > 255), *hostile]:
        response = api.http.post(
            "/api/messages",
            json={"message": "keyed", "message_group_uuid": group},
            headers={**ada.auth, "Idempotency-Key": raw},
        )
        _no_500(response)
    assert snapshot(api) == before
