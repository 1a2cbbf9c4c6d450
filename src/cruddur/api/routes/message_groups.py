"""The inbox: conversations, newest activity first; marking one read; saying you are typing.

Every route of the messaging API is async: DynamoDB is awaited on the event loop, so a request
takes no hop through the thread pool (services/ports/ says what stays blocking).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from cruddur.api.deps import CurrentUser, MessagingDep
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.paging import CURSOR_QUERY, LIMIT_QUERY, PAGED, page_response
from cruddur.api.params import GroupUuid, rate_limited
from cruddur.api.schemas.conversations import (
    ConversationChange,
    ConversationDetail,
    ConversationPublic,
)
from cruddur.services import group_changes, groups, inbox, read_marks
from cruddur.services.typing_notices import notify_typing

router = APIRouter(responses=ERROR_RESPONSES, tags=["inbox"])


@router.get(
    "/api/message_groups",
    operation_id="listConversations",
    response_model=list[ConversationPublic],
    responses=PAGED,
)
async def list_message_groups(
    user: CurrentUser,
    messaging: MessagingDep,
    limit: Annotated[int, LIMIT_QUERY] = 20,
    cursor: Annotated[str | None, CURSOR_QUERY] = None,
    archived: Annotated[
        bool, Query(description="list the archived conversations instead of the inbox")
    ] = False,
) -> Response:
    """Your conversations, newest activity first, the pinned ones first on the first page (the
    archived ones with `archived=true`); the next page's cursor is in X-Next-Cursor."""
    page = await inbox.list_inbox(messaging, user.uuid, limit, cursor, archived=archived)
    return page_response([ConversationPublic.of(entry) for entry in page.items], page.next_cursor)


@router.get("/api/message_groups/{message_group_uuid}", operation_id="getConversation")
async def get_message_group(
    message_group_uuid: GroupUuid, user: CurrentUser, messaging: MessagingDep
) -> ConversationDetail:
    """One conversation as your inbox shows it, with its members: their roles and how far
    each has read (`read_until`: "Seen by"; in a direct conversation also `other_read_until`,
    `other_read_at`). Shown even while you block someone in it."""
    return ConversationDetail.shown(await groups.view(messaging, user, message_group_uuid))


@router.patch("/api/message_groups/{message_group_uuid}", operation_id="changeConversation")
async def change_message_group(
    message_group_uuid: GroupUuid,
    body: ConversationChange,
    user: CurrentUser,
    messaging: MessagingDep,
) -> ConversationDetail:
    """Mute, archive or pin one of your conversations (for you only); rename a group
    (`title`, any member, for everyone)."""
    choices = body.choices()  # checked before anything is written
    if "title" in body.model_fields_set:
        await group_changes.rename(messaging, user, message_group_uuid, body.title)
    if choices is not None:
        await inbox.set_inbox_choices(messaging, user.uuid, message_group_uuid, choices)
    return ConversationDetail.shown(await groups.view(messaging, user, message_group_uuid))


@router.post(
    "/api/message_groups/{message_group_uuid}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="markConversationRead",
)
async def mark_read(
    message_group_uuid: GroupUuid, user: CurrentUser, messaging: MessagingDep
) -> Response:
    """Mark every message of the conversation read."""
    await read_marks.mark_read(messaging, user.uuid, message_group_uuid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/message_groups/{message_group_uuid}/typing",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="sendTyping",
    responses=rate_limited("typing"),
)
async def typing(
    message_group_uuid: GroupUuid, user: CurrentUser, messaging: MessagingDep
) -> Response:
    """Tell the other member you are typing: their open page shows it for a few seconds.
    Nothing is stored; send it again every few seconds while typing (rate-limited)."""
    await notify_typing(messaging, user, message_group_uuid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
