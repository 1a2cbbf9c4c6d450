"""A client that sends half a request cannot hold a connection: the head must arrive within
`request_head_timeout`, the body within `request_body_timeout` (408 with the JSON body, then
the connection closes). Once 200 half-sent requests stayed open 55 s."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import running

CEILING = 30.0  # generous: the bound under test is 1 s


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=CEILING)
    return sock


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (within the ceiling)."""
    received = b""
    deadline = time.monotonic() + CEILING
    while time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk
    raise AssertionError(f"the connection stayed open past {CEILING} s: {received!r}")


def _status_and_error(raw: bytes) -> tuple[int, str]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["errors"][0]["code"]


def test_half_sent_heads_and_bodies_are_answered_408_and_closed(
    settings: Settings, store: ConversationTable
):
    with running(settings, store, request_head_timeout=1.0, request_body_timeout=1.0) as api:
        heads = [_connect(api.url) for _ in range(40)]
        for sock in heads:
            sock.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        bodies = [_connect(api.url) for _ in range(10)]
        for sock in bodies:
            sock.sendall(
                b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b'Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{"handle": '
            )
        silent = _connect(api.url)  # connects and never says a word
        for sock in heads + bodies:
            assert _status_and_error(_answer(sock)) == (408, "timeout")
        assert _answer(silent).startswith(b"HTTP/1.1 408")
        for sock in [*heads, *bodies, silent]:
            sock.close()
        # Whoever sends a whole request in time is served as ever, also on a kept-alive
        # connection that waited between its requests less than the bound.
        assert api.http.get("/readyz").status_code == 200
        signup = api.signup()
        assert api.http.get("/api/me", headers=signup.auth).status_code == 200
