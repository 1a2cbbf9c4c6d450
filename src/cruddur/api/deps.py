"""Dependencies of the routes, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.stores.account_data import AccountData
from cruddur.adapters.files.local import LocalFiles
from cruddur.adapters.users.directory import UsersDirectory
from cruddur.api import session
from cruddur.api.request_log import note_user
from cruddur.api.schemas.attachments import Links
from cruddur.bootstrap import Runtime
from cruddur.domain.model import User, UserRef
from cruddur.errors import Overloaded, Unauthorized
from cruddur.live_events.hub import EventHub
from cruddur.services.accounts import Accounts
from cruddur.services.context import MessagingContext
from cruddur.services.erasure import Erasure
from cruddur.services.limits import Limits
from cruddur.services.sending import Idempotency

bearer = HTTPBearer(
    auto_error=False,
    description="An access token from POST /api/auth/login (or from Cognito in production).",
)


# One dependency a service of the runtime (bootstrap.Runtime, built once per process): a route
# names the services it uses, and a test replaces one by `app.dependency_overrides[get_x]`.
# They are async on purpose: a sync one costs a hop through the thread pool on every request.
# Only the slow path (first sight of a token) goes to a thread. Each dependency a request
# resolves costs FastAPI some 20 µs of CPU (docs/benchmarks.md, "The figures behind design
# choices"), so the hot routes take few: the send's services come as one (SendingDep), file
# links are a function of the messaging context, and the signed-in user's lookup reads the
# accounts service from the runtime itself. So a test replaces the sending services by
# overriding get_sending, and sign-in by replacing `runtime.accounts`, not get_accounts.
def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_messaging(request: Request) -> MessagingContext:
    return _runtime(request).messaging


async def get_users(request: Request) -> UsersDirectory:
    return _runtime(request).users


async def get_accounts(request: Request) -> Accounts:
    return _runtime(request).accounts


async def get_hub(request: Request) -> EventHub:
    return _runtime(request).hub


async def get_limits(request: Request) -> Limits:
    return _runtime(request).limits


async def get_idempotency(request: Request) -> Idempotency:
    return _runtime(request).idempotency


async def get_table(request: Request) -> AsyncTable:
    return _runtime(request).store.table


async def get_records(request: Request) -> AccountData | None:
    return _runtime(request).records


async def get_erasure(request: Request) -> Erasure | None:
    return _runtime(request).erasure


async def get_local_files(request: Request) -> LocalFiles | None:
    return _runtime(request).local_files


MessagingDep = Annotated[MessagingContext, Depends(get_messaging)]
UsersDep = Annotated[UsersDirectory, Depends(get_users)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
HubDep = Annotated[EventHub, Depends(get_hub)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
TableDep = Annotated[AsyncTable, Depends(get_table)]  # the messages table
RecordsDep = Annotated[AccountData | None, Depends(get_records)]  # None: no export here
ErasureDep = Annotated[Erasure | None, Depends(get_erasure)]  # None: no erasure here
LocalFilesDep = Annotated[LocalFiles | None, Depends(get_local_files)]  # None: files in S3


@dataclass(frozen=True)
class Sending:
    """What a send uses, as one dependency."""

    messaging: MessagingContext
    users: UsersDirectory
    idempotency: Idempotency


async def get_sending(request: Request) -> Sending:
    runtime = _runtime(request)
    return Sending(runtime.messaging, runtime.users, runtime.idempotency)


SendingDep = Annotated[Sending, Depends(get_sending)]


def file_links(messaging: MessagingContext) -> Links | None:
    """The short-lived URLs of a file and its thumbnail (Shelf.links); None: text only."""
    shelf = messaging.shelf
    return None if shelf is None else shelf.links


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_user(
    request: Request,
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
    user = await user_of(_runtime(request).accounts, token)
    note_user(request.scope, user.uuid)
    return UserRef(user.uuid, user.handle, user.display_name)


async def user_of(accounts: Accounts, token: str) -> User:
    """The token's user: a session verified moments ago, when that it was not signed out is
    known from memory too, answers on the loop; anything that takes I/O (Redis, the table,
    verification, the users database) runs in a thread. Unauthorized or Forbidden otherwise."""
    user = accounts.recently_verified(token)
    if user is not None and accounts.revoked_in_memory(token) is False:
        return user
    return await run_in_threadpool(accounts.user_of, token)


CurrentUser = Annotated[UserRef, Depends(current_user)]


def client_address(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy says (uvicorn applies
    X-Forwarded-For only from CRUDDUR_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "unknown"


def end_session(accounts: Accounts, hub: EventHub, token: str) -> None:
    """Sign `token` out, and tell its user's open pages (their streams end when they hear it)."""
    user = accounts.sign_out(token)
    hub.publish(user.uuid, {"type": "signed_out"})


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
