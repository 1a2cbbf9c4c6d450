"""What the pages add to the JSON API: user suggestions and the Server-Sent Events stream of
live updates. Everything else the page scripts call is the JSON API itself (`/api/...`), on
the session cookie and the page's CSRF token."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from cruddur.api import session
from cruddur.api.deps import AccountsDep, HubDep, LimitsDep, UsersDep
from cruddur.domain.model import UserRef
from cruddur.errors import Unauthorized
from cruddur.live_events.hub import Event, EventHub
from cruddur.metrics import figures
from cruddur.services.accounts import Accounts
from cruddur.web.pages import page_user

router = APIRouter(prefix="/web", include_in_schema=False)
KEEP_ALIVE_SECONDS = 15.0


def signed_in(request: Request, accounts: Accounts) -> UserRef:
    user = page_user(request, accounts)
    if user is None:
        raise Unauthorized("your session has ended; sign in again")
    return user


@router.get("/users")
def users(
    request: Request, accounts: AccountsDep, directory: UsersDep, q: str = ""
) -> list[dict[str, str]]:
    user = signed_in(request, accounts)
    found = directory.search(q[:64]) if q.strip() else []
    return [
        {"handle": u.handle, "display_name": u.display_name} for u in found if u.uuid != user.uuid
    ]


@router.get("/events")
async def events(
    request: Request, accounts: AccountsDep, hub: HubDep, limits: LimitsDep
) -> StreamingResponse:
    user = await run_in_threadpool(signed_in, request, accounts)
    token = session.session_token(request) or ""
    # Held before the response starts, so a user past the limit gets a 429, not a stream; the
    # stream releases it when it ends.
    held = contextlib.ExitStack()
    renew = await run_in_threadpool(held.enter_context, limits.stream(user.uuid))
    return StreamingResponse(
        _stream(hub, accounts, user.uuid, token, held, renew, request.app.state.stopping),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(
    hub: EventHub,
    accounts: Accounts,
    user_uuid: str,
    token: str,
    held: contextlib.ExitStack,
    renew: Callable[[], None],
    stopping: asyncio.Event,
) -> AsyncIterator[str]:
    queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=1000)
    stopped = asyncio.ensure_future(stopping.wait())

    async def pump() -> None:
        async for event in hub.subscribe(user_uuid):
            await queue.put(event)

    task = asyncio.create_task(pump())
    figures.LIVE_STREAMS.inc()
    try:
        yield "retry: 2000\n: connected\n\n"
        while True:
            got = asyncio.ensure_future(queue.get())
            await asyncio.wait(
                {got, stopped}, timeout=KEEP_ALIVE_SECONDS, return_when="FIRST_COMPLETED"
            )
            if stopped.done():  # the server is stopping: the browser reconnects elsewhere
                got.cancel()
                return
            if got.done():
                event = got.result()
            else:
                got.cancel()
                if task.done():  # the subscription ended: end the stream, the browser
                    return  # reconnects (and refetches) rather than listen to nothing
                event = {"type": "keep-alive"}
            # Signed out (here or in another process): the stream ends with the session.
            if await run_in_threadpool(accounts.is_revoked, token):
                yield "event: signed_out\ndata: {}\n\n"
                return
            if event["type"] == "keep-alive":
                await run_in_threadpool(renew)  # Redis, maybe: not on the event loop
                yield ": keep-alive\n\n"
            elif event["type"] != "signed_out":  # another session of this user ended
                yield f"data: {json.dumps(event)}\n\n"
    finally:
        figures.LIVE_STREAMS.dec()
        stopped.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        held.close()
