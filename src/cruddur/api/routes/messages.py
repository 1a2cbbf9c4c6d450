"""Messages of a conversation: read a page, send one (optionally idempotent)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from cruddur.api.deps import CurrentUser, RuntimeDep
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.paging import CURSOR_QUERY, LIMIT_QUERY, PAGED, page_response
from cruddur.api.schemas import ErrorBody, MessageCreate, MessageCreatedPublic, MessagePublic
from cruddur.services import messaging
from cruddur.services.posting import post_message

router = APIRouter(responses=ERROR_RESPONSES, tags=["messages"])


@router.get(
    "/api/messages/{message_group_uuid}", response_model=list[MessagePublic], responses=PAGED
)
async def list_messages(
    message_group_uuid: str,
    user: CurrentUser,
    runtime: RuntimeDep,
    limit: Annotated[int, LIMIT_QUERY] = 20,
    cursor: Annotated[str | None, CURSOR_QUERY] = None,
) -> Response:
    """One page of a conversation, oldest first within the page; X-Next-Cursor leads to older."""
    # async: the read is awaited on the event loop (aiodynamo), no hop through a thread.
    page = await messaging.list_messages_async(
        runtime.messaging, runtime.require_reads(), user.uuid, message_group_uuid, limit, cursor
    )
    return page_response([MessagePublic.of(message) for message in page.items], page.next_cursor)


@router.post(
    "/api/messages",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody, "description": "Idempotency-Key reused"}},
)
def create_message(
    body: MessageCreate,
    user: CurrentUser,
    runtime: RuntimeDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=255,
            description="retries with the same key return the first result and store nothing",
        ),
    ] = None,
) -> MessageCreatedPublic:
    """Send into a conversation (message_group_uuid) or to a user (handle): it is started
    if the two of you have none yet."""
    message = post_message(
        runtime.messaging,
        runtime.users,
        user,
        body.message,
        group_uuid=body.message_group_uuid,
        handle=body.handle,
        idempotency=runtime.idempotency,
        key=idempotency_key,
    )
    return MessageCreatedPublic.created(message)
