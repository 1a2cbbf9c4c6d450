"""uvicorn's httptools protocol with a bound on the request line and headers.

httptools sets no limit on how much of a request's head it buffers (h11 does, at ~20 % more
cost per request); a client could send megabytes of headers. Past MAX_HEAD_BYTES the request is
answered 431 with the JSON error body and the connection closed, before the app sees it.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024  # request line + headers: tokens and cookies fit many times over


class HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    _head_bytes = 0
    _answered = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0

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
            body = json.dumps(
                {"errors": [{"code": "headers_too_large", "message": message, "field": None}]}
            ).encode()
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: application/json\r\n"
                b"content-length: " + str(len(body)).encode() + b"\r\n"
                b"connection: close\r\n\r\n" + body
            )
            self.transport.close()
            raise HeadTooLarge  # httptools stops parsing; uvicorn's 400 is skipped below

    def send_400_response(self, msg: str) -> None:
        if not self._answered:
            super().send_400_response(msg)
