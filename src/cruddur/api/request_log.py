"""One log line per request, and the request id that ties a request's lines together.

The id is the client's `X-Request-Id` when well-formed (a load balancer's, a retrying client's),
else one made here; it is echoed in the response, set on every line logged while the request is
served (`logs.request_id`), and put in the error body. The line names the route's template
(`/api/messages/{message_group_uuid}`), never the raw path, and the user as a keyed hash: an
operator can follow one user's requests without the logs naming anyone.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cruddur.logs import request_id, request_id_from
from cruddur.metrics import figures

log = logging.getLogger("cruddur.request")
HEADER = "X-Request-Id"
STATE = "cruddur.log"  # scope["state"][STATE]: what the request's handlers add to its line
SEND_ROUTE = "/api/messages"  # a 5xx here may be a lost message: counted on its own


def note_user(scope: Scope, user_uuid: str) -> None:
    """Called once the request's user is known (api/deps.py)."""
    noted = scope.get("state", {}).get(STATE)
    if noted is not None:
        noted["user"] = user_uuid


class RequestLog:
    def __init__(self, app: ASGIApp, user_key: bytes) -> None:
        self.app = app
        self.user_key = user_key
        # A user's hash, once per user while they are active, not once per request.
        self._user_hash = functools.lru_cache(maxsize=4096)(self._hash)
        # A route's figures, looked up once: `labels()` checks and locks on every call.
        self._figures = functools.lru_cache(maxsize=1024)(_figures)

    def _hash(self, user_uuid: str) -> str:
        return hmac.new(self.user_key, user_uuid.encode(), hashlib.sha256).hexdigest()[:16]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                header = value.decode("latin-1")
                break
        rid = request_id_from(header)
        token = request_id.set(rid)
        noted: dict[str, Any] = {}
        scope.setdefault("state", {})[STATE] = noted
        status = 500  # what the client sees if the app fails before it answers
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            method, route = scope.get("method", ""), _route(scope)
            counted, timed = self._figures(method, route, status)
            counted.inc()
            timed.observe(elapsed)
            if status >= 500 and method == "POST" and route == SEND_ROUTE:
                figures.SEND_FAILURES.inc()
            if log.isEnabledFor(logging.INFO):  # the bench's processes log warnings only
                self._log(scope, status, elapsed, noted)
            request_id.reset(token)

    def _log(self, scope: Scope, status: int, elapsed: float, noted: dict[str, Any]) -> None:
        client = scope.get("client")
        fields: dict[str, Any] = {
            "method": scope.get("method"),
            "route": _route(scope),
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "client": client[0] if client else None,
        }
        if "user" in noted:
            fields["user"] = self._user_hash(noted["user"])
        log.info("request", extra=fields)


def _route(scope: Scope) -> str:
    """The matched route's template: a bounded label (an unmatched path is one value)."""
    return getattr(scope.get("route"), "path", None) or "(no route)"


def _figures(method: str, route: str, status: int) -> tuple[Any, Any]:
    """The request counter and the latency histogram of one (method, route, status)."""
    return (
        figures.REQUESTS.labels(method, route, str(status)),
        figures.LATENCY.labels(method, route),
    )
