"""Security headers on every response, docs off in production, a bound on header size
(defect 6 of issue 14)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from cruddur.web.pages import STATIC
from tests.e2e.conftest import Api, serve


@contextmanager
def running(settings: Settings, store: ConversationTable, **changes: object) -> Iterator[Api]:
    yield from serve(settings.model_copy(update=changes), store)


def _assert_protected(response: httpx.Response, *, private: bool = True) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    if private:
        assert headers["cache-control"] == "no-store"


def test_every_kind_of_response_carries_the_headers(api: Api):
    ada = api.signup()
    responses = [
        api.http.get("/signin"),  # a page
        api.http.get("/", follow_redirects=False),  # a redirect
        api.http.get("/api/me", headers=ada.auth),  # JSON
        api.http.get("/api/message_groups", headers=ada.auth),
        api.http.get("/api/nothing"),  # 404
        api.http.post("/api/messages", content=b"x" * 70_000, headers=ada.auth),  # 413
        api.http.get("/web/events"),  # 401 on the stream
        api.http.get("/healthz"),
    ]
    for response in responses:
        _assert_protected(response)
    static = api.http.get("/static/app.js")
    _assert_protected(static, private=False)
    assert static.headers.get("cache-control") != "no-store"  # files may be cached


def test_every_script_is_served_as_javascript(api: Api):
    """The pages' script is native ES modules (app.js and what it imports): a browser runs a
    module only when it comes with a JavaScript type, and then the whole page has no script."""
    scripts = sorted(STATIC.glob("*.js"))
    assert "app.js" in {script.name for script in scripts}
    for script in scripts:
        response = api.http.get(f"/static/{script.name}")
        assert response.status_code == 200, script.name
        kind = response.headers["content-type"].split(";")[0]
        assert kind in {"text/javascript", "application/javascript"}, (script.name, kind)
        _assert_protected(response, private=False)
        # Revalidated each time: an upgrade never leaves a cached module beside a new one.
        assert response.headers["cache-control"] == "no-cache", script.name
        again = api.http.get(
            f"/static/{script.name}", headers={"if-none-match": response.headers["etag"]}
        )
        assert again.status_code == 304, script.name


def test_docs_are_served_locally_and_off_in_production(settings, store):
    with running(settings, store, api_docs=True) as local:
        docs = local.http.get("/docs")
        assert docs.status_code == 200
        assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]  # Swagger UI
        assert local.http.get("/openapi.json").status_code == 200
    with running(settings, store, api_docs=False) as production:
        assert production.http.get("/docs").status_code == 404
        assert production.http.get("/openapi.json").status_code == 404


def test_hsts_behind_tls(settings, store):
    with running(settings, store, cookie_secure=True) as behind_tls:
        assert behind_tls.http.get("/healthz").headers["strict-transport-security"]


@pytest.mark.parametrize("shape", ["one huge header", "many headers", "huge url"])
def test_an_oversized_request_head_is_a_431_and_the_server_goes_on(api: Api, shape: str):
    address = urlsplit(api.url)
    head = {
        "one huge header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64_000 + b"\r\n",
        "many headers": b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: %s\r\n" % (i, b"b" * 100) for i in range(400)),
        "huge url": b"GET /healthz?" + b"q" * 64_000 + b" HTTP/1.1\r\nHost: x\r\n",
    }[shape]
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(head + b"\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"code": "headers_too_large"' in answer
    assert api.http.get("/healthz").status_code == 200
    normal = api.http.get("/healthz", headers={"X-Fine": "c" * 4000})
    assert normal.status_code == 200
