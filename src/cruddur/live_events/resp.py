"""Publishes live events to Redis with one RESP command, PUBLISH, on a plain socket.

The stream Lambda publishes and never subscribes. redis-py would add 140 ms to every cold start
for this one command, so the publisher speaks the protocol itself: `redis://` and `rediss://`
(TLS, as ElastiCache Serverless requires), an optional ACL user and password from the URL.
Subscribing (the API's side) stays on redis-py (`redis_hub.py`).
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
from urllib.parse import unquote, urlsplit

from cruddur.live_events.hub import Event, channel

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


class RespError(OSError):
    """Redis answered with an error, or not in RESP."""


class RedisPublisher:
    """Thread-safe (the processor writes groups concurrently); one connection, reopened on need."""

    in_process = False

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ValueError("REDIS_URL must look like redis://host:6379 or rediss://host:6379")
        self._host = parts.hostname
        self._port = parts.port or 6379
        self._tls = parts.scheme == "rediss"
        self._auth = [unquote(p) for p in (parts.username, parts.password) if p]
        self._timeout = timeout
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: socket.SocketIO | None = None

    def publish(self, user_uuid: str, event: Event) -> None:
        """Live updates are a nicety: a failure is logged, never raised into the inbox write."""
        payload = json.dumps(event, separators=(",", ":"))
        with self._lock:
            for attempt in (1, 2):  # a connection Redis closed while idle gets one fresh retry
                try:
                    self._command("PUBLISH", channel(user_uuid), payload)
                    return
                except OSError as exc:
                    self._close()
                    if attempt == 2:
                        log.warning("could not publish a live event: %s", type(exc).__name__)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _command(self, *words: str) -> bytes:
        if self._sock is None:
            self._connect()
        assert self._sock is not None
        self._sock.sendall(encode(*words))
        return self._reply()

    def _connect(self) -> None:
        sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
        if self._tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self._host)
        self._sock = sock
        self._reader = socket.SocketIO(sock, "rb")
        if self._auth:
            self._command("AUTH", *self._auth)

    def _reply(self) -> bytes:
        assert self._reader is not None
        line = b""
        while not line.endswith(b"\r\n"):
            chunk = self._reader.read(1)
            if not chunk:
                raise RespError("Redis closed the connection")
            line += chunk
        kind, body = line[:1], line[1:-2]
        if kind == b"-":
            raise RespError(f"Redis refused: {body.decode(errors='replace')[:80]}")
        if kind not in {b"+", b":"}:
            raise RespError("unexpected reply from Redis")
        return body

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._reader = None


def encode(*words: str) -> bytes:
    """A RESP array of bulk strings: how a client sends any command."""
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)
