"""uvicorn's httptools protocol with bounds on the request line and headers: their size, and
how long they and the body may take.

httptools sets no limit on how much of a request's head it buffers (h11 does, at ~20 % more
cost per request); a client could send megabytes of headers. Past MAX_HEAD_BYTES the request is
answered 431 with the JSON error body and the connection closed, before the app sees it.

Nor does uvicorn bound how long a request may take to arrive: a client that sends half a head,
or a body slowly, holds a connection for ever (200 such stayed open 55 s, then more). The head
must arrive within `head_timeout` seconds of the connection (or of its first byte on a kept-alive
one), the body within `body_timeout` of the head; past either the answer is 408 with the JSON
error body (or, once a response has started, just the closed connection).
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024  # request line + headers: tokens and cookies fit many times over


class HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    head_timeout = 10.0
    body_timeout = 30.0
    _head_bytes = 0
    _answered = False
    _deadline: asyncio.TimerHandle | None = None

    @classmethod
    def bounded(cls, head_timeout: float, body_timeout: float) -> type[BoundedHttpToolsProtocol]:
        """This protocol with other time bounds (uvicorn takes a class, not an instance)."""
        return type(
            cls.__name__, (cls,), {"head_timeout": head_timeout, "body_timeout": body_timeout}
        )

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.head_timeout, "the request line and headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._arm(self.head_timeout, "the request line and headers")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout, "the request body")

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, seconds, what)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, seconds: float, what: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = getattr(self, "cycle", None)
        if not self._answered and not (cycle is not None and cycle.response_started):
            self._answered = True
            self.transport.write(
                _raw_error(408, "Request Timeout", "timeout", f"{what} took over {seconds:g} s")
            )
        self.transport.close()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES and not self._answered:
            self._answered = True
            message = f"the request line and headers are over {MAX_HEAD_BYTES} bytes"
            self.transport.write(
                _raw_error(431, "Request Header Fields Too Large", "headers_too_large", message)
            )
            self._disarm()
            self.transport.close()
            raise HeadTooLarge  # httptools stops parsing; uvicorn's 400 is skipped below

    def send_400_response(self, msg: str) -> None:
        if not self._answered:
            super().send_400_response(msg)


def _raw_error(status: int, reason: str, code: str, message: str) -> bytes:
    """A whole response with the JSON error body, written before (or without) the app."""
    body = json.dumps({"errors": [{"code": code, "message": message, "field": None}]}).encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body
