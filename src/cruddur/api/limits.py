"""A cap on request body size, applied before anything parses the body."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cruddur.api.errors import error_response
from cruddur.api.schemas.common import ErrorDetail


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; the error handlers turn it into the 413 body."""


class BodySizeLimit:
    """413 with the JSON error body when a request body exceeds `max_bytes`, declared or not;
    the paths in `larger` (the local upload endpoint) have their own cap."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.larger.get(scope["path"], self.max_bytes)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await self._refuse(scope, receive, send, cap)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(413, f"the request body is over {cap} bytes")
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, cap)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        detail = ErrorDetail(code="too_large", message=f"the request body is over {cap} bytes")
        await error_response(413, [detail])(scope, receive, send)
