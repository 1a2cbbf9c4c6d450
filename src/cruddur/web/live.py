"""What the page scripts call with the session cookie: pages of JSON, sending, marking read,
user suggestions, and the Server-Sent Events stream of live updates."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from cruddur.api.deps import RuntimeDep
from cruddur.api.schemas import ConversationPublic, MessagePublic
from cruddur.bootstrap import Runtime
from cruddur.domain.model import UserRef
from cruddur.errors import Unauthorized
from cruddur.events.hub import Event
from cruddur.services import messaging
from cruddur.web import session
from cruddur.web.pages import page_user

router = APIRouter(prefix="/web", include_in_schema=False)
KEEP_ALIVE_SECONDS = 15.0


class SendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(max_length=100_000)


def signed_in(request: Request, runtime: Runtime) -> UserRef:
    user = page_user(request, runtime)
    if user is None:
        raise Unauthorized("your session has ended; sign in again")
    return user


@router.get("/inbox")
def inbox(request: Request, runtime: RuntimeDep, cursor: str | None = None) -> dict[str, Any]:
    user = signed_in(request, runtime)
    page = messaging.list_inbox(runtime.messaging, user.uuid, 20, cursor)
    rows = [ConversationPublic.of(e).model_dump() for e in page.items]
    return {"rows": rows, "next": page.next_cursor}


@router.get("/messages/{group}")
def messages_page(
    group: str, request: Request, runtime: RuntimeDep, cursor: str | None = None, limit: int = 30
) -> dict[str, Any]:
    user = signed_in(request, runtime)
    page = messaging.list_messages(runtime.messaging, user.uuid, group, limit, cursor)
    found = [MessagePublic.of(m).model_dump() for m in page.items]
    return {"messages": found, "next": page.next_cursor}


@router.post("/messages/{group}", status_code=201)
def send(
    group: str,
    body: SendBody,
    request: Request,
    runtime: RuntimeDep,
    csrf: Annotated[str | None, Header(alias=session.CSRF_HEADER)] = None,
) -> dict[str, Any]:
    session.check_csrf(request, csrf)
    user = signed_in(request, runtime)
    sent = messaging.send_message(runtime.messaging, user, group, body.message)
    return MessagePublic.of(sent).model_dump()


@router.post("/messages/{group}/read", status_code=204)
def read(
    group: str,
    request: Request,
    runtime: RuntimeDep,
    csrf: Annotated[str | None, Header(alias=session.CSRF_HEADER)] = None,
) -> None:
    session.check_csrf(request, csrf)
    messaging.mark_read(runtime.messaging, signed_in(request, runtime).uuid, group)


@router.get("/users")
def users(request: Request, runtime: RuntimeDep, q: str = "") -> list[dict[str, str]]:
    user = signed_in(request, runtime)
    found = runtime.users.search(q[:64]) if q.strip() else []
    return [
        {"handle": u.handle, "display_name": u.display_name} for u in found if u.uuid != user.uuid
    ]


@router.get("/events")
async def events(request: Request, runtime: RuntimeDep) -> StreamingResponse:
    user = await run_in_threadpool(signed_in, request, runtime)
    token = session.session_token(request) or ""
    # Held before the response starts, so a user past the limit gets a 429, not a stream; the
    # stream releases it when it ends.
    held = contextlib.ExitStack()
    renew = await run_in_threadpool(held.enter_context, runtime.limits.stream(user.uuid))
    return StreamingResponse(
        _stream(runtime, user.uuid, token, held, renew),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(
    runtime: Runtime,
    user_uuid: str,
    token: str,
    held: contextlib.ExitStack,
    renew: Callable[[], None],
) -> AsyncIterator[str]:
    queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=1000)

    async def pump() -> None:
        async for event in runtime.hub.subscribe(user_uuid):
            await queue.put(event)

    task = asyncio.create_task(pump())
    try:
        yield "retry: 2000\n: connected\n\n"
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
            except TimeoutError:
                event = {"type": "keep-alive"}
            # Signed out (here or in another process): the stream ends with the session.
            if await run_in_threadpool(runtime.accounts.is_revoked, token):
                yield "event: signed_out\ndata: {}\n\n"
                return
            if event["type"] == "keep-alive":
                await run_in_threadpool(renew)  # Redis, maybe: not on the event loop
                yield ": keep-alive\n\n"
            elif event["type"] != "signed_out":  # another session of this user ended
                yield f"data: {json.dumps(event)}\n\n"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        held.close()
