"""Dependencies of the routes, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from cruddur.api import session
from cruddur.api.request_log import note_user
from cruddur.bootstrap import Runtime
from cruddur.domain.model import User, UserRef
from cruddur.errors import Overloaded, Unauthorized

bearer = HTTPBearer(
    auto_error=False,
    description="An access token from POST /api/auth/login (or from Cognito in production).",
)


# The dependencies are async on purpose: a sync one costs a hop through the thread pool on every
# request. Only the slow path (first sight of a token) goes to a thread.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_user(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> UserRef:
    """The bearer token's user, else the session cookie's: the pages' scripts call this same
    API. A cookie rides along with any request the browser makes, even one another site
    starts, so a change made on a cookie needs the page's CSRF token too (session.check_csrf);
    a bearer token is only ever sent on purpose."""
    if credentials is not None:
        token = credentials.credentials
    else:
        token = session.session_token(request) or ""
        if not token:
            raise Unauthorized("sign in first: send Authorization: Bearer <access token>")
        if request.method not in SAFE_METHODS:
            session.check_csrf(request, request.headers.get(session.CSRF_HEADER))
    user = await user_of(runtime, token)
    note_user(request.scope, user.uuid)
    return UserRef(user.uuid, user.handle, user.display_name)


async def user_of(runtime: Runtime, token: str) -> User:
    """The token's user: a session verified moments ago, when that it was not signed out is
    known from memory too, answers on the loop; anything that takes I/O (Redis, the table,
    verification, the users database) runs in a thread. Unauthorized or Forbidden otherwise."""
    accounts = runtime.accounts
    user = accounts.recently_verified(token)
    if user is not None and accounts.revoked_in_memory(token) is False:
        return user
    return await run_in_threadpool(accounts.user_of, token)


CurrentUser = Annotated[UserRef, Depends(current_user)]


def client_address(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy says (uvicorn applies
    X-Forwarded-For only from CRUDDUR_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "unknown"


def end_session(runtime: Runtime, token: str) -> None:
    """Sign `token` out, and tell its user's open pages (their streams end when they hear it)."""
    user = runtime.accounts.sign_out(token)
    runtime.hub.publish(user.uuid, {"type": "signed_out"})


class Gate:
    """At most `most` requests of one kind inside at once; the rest are turned away at the door.

    Checked on the event loop, before the request takes one of the server's threads: a flood of
    sign-ins (argon2 is slow by design) then costs a 503 each, not a thread and a share of the
    GIL that other users' requests and the stream processor need.
    """

    def __init__(self, most: int) -> None:
        self.most = most
        self.inside = 0  # only touched on the event loop: no lock


async def sign_in_gate(request: Request) -> AsyncIterator[None]:
    gate: Gate = request.app.state.sign_in_gate
    if gate.inside >= gate.most:
        raise Overloaded("sign-in is busy; try again in a moment", retry_after=1)
    gate.inside += 1
    try:
        yield
    finally:
        gate.inside -= 1


SignInGate = Depends(sign_in_gate)
