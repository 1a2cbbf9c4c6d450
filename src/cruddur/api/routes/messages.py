"""Messages of a conversation: read a page or one message, send one (optionally idempotent),
edit or delete your own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from cruddur.api.deps import CurrentUser, MessagingDep, SendingDep, file_links
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.paging import CURSOR_QUERY, LIMIT_QUERY, PAGED, page_response
from cruddur.api.params import (
    EmojiPath,
    GroupUuid,
    IdempotencyKeyHeader,
    MessageUuid,
    rate_limited,
)
from cruddur.api.schemas.common import ErrorBody
from cruddur.api.schemas.messages import (
    MessageCreate,
    MessageCreatedPublic,
    MessageEdit,
    MessagePublic,
)
from cruddur.services import editing, reading
from cruddur.services.sending import post_message

router = APIRouter(responses=ERROR_RESPONSES, tags=["messages"])
CHANGE_RESPONSES: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorBody, "description": "not your message"},
    409: {"model": ErrorBody, "description": "the message was deleted"},
    # Edits, deletions and reactions count against the same per-user limit as sends.
    **rate_limited("send"),
}


@router.get(
    "/api/messages/{message_group_uuid}",
    operation_id="listMessages",
    response_model=list[MessagePublic],
    responses=PAGED,
)
async def list_messages(
    message_group_uuid: GroupUuid,
    user: CurrentUser,
    messaging: MessagingDep,
    limit: Annotated[int, LIMIT_QUERY] = 20,
    cursor: Annotated[str | None, CURSOR_QUERY] = None,
) -> Response:
    """One page of a conversation, oldest first within the page; X-Next-Cursor leads to older.
    How far the other member has read is on the conversation (`GET /api/message_groups/{id}`)."""
    page = await reading.list_messages(messaging, user.uuid, message_group_uuid, limit, cursor)
    links = file_links(messaging)
    return page_response(
        [MessagePublic.of(message, user.uuid, links) for message in page.items],
        page.next_cursor,
    )


@router.get("/api/messages/{message_group_uuid}/{message_uuid}", operation_id="getMessage")
async def get_message(
    message_group_uuid: GroupUuid,
    message_uuid: MessageUuid,
    user: CurrentUser,
    messaging: MessagingDep,
) -> MessagePublic:
    """One message (as it reads now: edited, or deleted)."""
    found = await editing.get_message(messaging, user.uuid, message_group_uuid, message_uuid)
    return MessagePublic.of(found, user.uuid, file_links(messaging))


@router.patch(
    "/api/messages/{message_group_uuid}/{message_uuid}",
    operation_id="editMessage",
    responses=CHANGE_RESPONSES,
)
async def edit_message(
    message_group_uuid: GroupUuid,
    message_uuid: MessageUuid,
    body: MessageEdit,
    user: CurrentUser,
    messaging: MessagingDep,
) -> MessagePublic:
    """Edit your own message: its text changes, `edited_at` is set; both members see it live,
    and if it is the conversation's last message, the inbox previews follow."""
    edited = await editing.edit_message(
        messaging, user, message_group_uuid, message_uuid, body.message
    )
    return MessagePublic.of(edited, user.uuid, file_links(messaging))


@router.delete(
    "/api/messages/{message_group_uuid}/{message_uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteMessage",
    responses={403: CHANGE_RESPONSES[403], 429: CHANGE_RESPONSES[429]},
)
async def delete_message(
    message_group_uuid: GroupUuid,
    message_uuid: MessageUuid,
    user: CurrentUser,
    messaging: MessagingDep,
) -> Response:
    """Delete your own message: it stays in place as a tombstone (`deleted`, no text).
    Deleting it again changes nothing."""
    await editing.delete_message(messaging, user, message_group_uuid, message_uuid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


REACTION_PATH = "/api/messages/{message_group_uuid}/{message_uuid}/reactions/{emoji}"


@router.put(
    REACTION_PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="putReaction",
    responses={409: CHANGE_RESPONSES[409], 429: CHANGE_RESPONSES[429]},
)
async def put_reaction(
    message_group_uuid: GroupUuid,
    message_uuid: MessageUuid,
    emoji: EmojiPath,
    user: CurrentUser,
    messaging: MessagingDep,
) -> Response:
    """React to a message with one emoji (any single emoji; percent-encoded in the path).
    Putting it there again changes nothing; each member has at most 10 on one message."""
    await editing.react(messaging, user, message_group_uuid, message_uuid, emoji, present=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    REACTION_PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteReaction",
    responses={409: CHANGE_RESPONSES[409], 429: CHANGE_RESPONSES[429]},
)
async def delete_reaction(
    message_group_uuid: GroupUuid,
    message_uuid: MessageUuid,
    emoji: EmojiPath,
    user: CurrentUser,
    messaging: MessagingDep,
) -> Response:
    """Take your reaction away; taking away one that is not there changes nothing."""
    await editing.react(messaging, user, message_group_uuid, message_uuid, emoji, present=False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/messages",
    # 200, not 201: the course's front end (and its backend's contract) proceeds on 200 only.
    status_code=status.HTTP_200_OK,
    operation_id="sendMessage",
    responses={
        409: {"model": ErrorBody, "description": "Idempotency-Key reused"},
        **rate_limited("send"),
    },
)
async def create_message(
    body: MessageCreate,
    user: CurrentUser,
    sending: SendingDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> MessageCreatedPublic:
    """Send into a conversation (message_group_uuid) or to a user (handle): it is started
    if the two of you have none yet. With `attachments` (uploads to this conversation) the
    text may be left out."""
    message = await post_message(
        sending.messaging,
        sending.users,
        user,
        body.message,
        group_uuid=body.message_group_uuid,
        handle=body.handle,
        idempotency=sending.idempotency,
        key=idempotency_key,
        reply_to=body.reply_to,
        attachments=body.attachments,
    )
    return MessageCreatedPublic.created(message, file_links(sending.messaging))
