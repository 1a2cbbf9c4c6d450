"""Group conversations: starting one (or the direct conversation with one person), and its
members: adding people, removing them or leaving, and their roles."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cruddur.api.deps import CurrentUser, IdempotencyDep, MessagingDep, UsersDep
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.params import GroupUuid, HandlePath, IdempotencyKeyHeader, rate_limited
from cruddur.api.schemas.common import ErrorBody
from cruddur.api.schemas.conversations import (
    ConversationDetail,
    GroupCreate,
    MembersAdd,
    RoleChange,
)
from cruddur.services import group_changes, groups
from cruddur.services.sending import claim_identity

router = APIRouter(responses=ERROR_RESPONSES, tags=["groups"])
ADMINS_ONLY: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorBody, "description": "not an admin of the group (`not_admin`)"},
}


@router.post(
    "/api/message_groups",
    status_code=status.HTTP_201_CREATED,
    operation_id="startConversation",
    responses={
        200: {"model": ConversationDetail, "description": "the direct conversation you have"},
        403: {"model": ErrorBody, "description": "someone blocks you, or you them (`blocked`)"},
        409: {"model": ErrorBody, "description": "Idempotency-Key reused"},
        **rate_limited("group_start"),
    },
)
async def start_conversation(
    body: GroupCreate,
    user: CurrentUser,
    messaging: MessagingDep,
    users: UsersDep,
    idempotency: IdempotencyDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ConversationDetail:
    """A group of you and 2 to 49 others (the server's member limit applies), with an
    optional title; you are its first admin. With one handle: the direct conversation with
    that person (200 if you have one, 201 if it is new)."""
    group_uuid = None
    if idempotency_key is not None:
        request = {"handles": sorted(h.lower() for h in body.handles), "title": body.title}
        identity = await claim_identity(messaging, idempotency, user.uuid, idempotency_key, request)
        group_uuid = identity.group_uuid
    conversation, created = await groups.start(
        messaging, users, user, body.handles, body.title, group_uuid
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return ConversationDetail.shown(conversation)


@router.post(
    "/api/message_groups/{message_group_uuid}/members",
    operation_id="addMembers",
    responses={**ADMINS_ONLY, **rate_limited("member_add")},
)
async def add_members(
    message_group_uuid: GroupUuid,
    body: MembersAdd,
    user: CurrentUser,
    messaging: MessagingDep,
    users: UsersDep,
) -> ConversationDetail:
    """Admins add people to a group; they read it from their joining on."""
    conversation = await group_changes.add_members(
        messaging, users, user, message_group_uuid, body.handles
    )
    return ConversationDetail.shown(conversation)


@router.delete(
    "/api/message_groups/{message_group_uuid}/members/@{handle}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="removeMember",
    responses=ADMINS_ONLY,
)
async def remove_member(
    message_group_uuid: GroupUuid, handle: HandlePath, user: CurrentUser, messaging: MessagingDep
) -> Response:
    """An admin removes a member; anyone removes themself (leaves). They lose access at once."""
    await group_changes.remove_member(messaging, user, message_group_uuid, handle)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch(
    "/api/message_groups/{message_group_uuid}/members/@{handle}",
    operation_id="setMemberRole",
    responses=ADMINS_ONLY,
)
async def set_member_role(
    message_group_uuid: GroupUuid,
    handle: HandlePath,
    body: RoleChange,
    user: CurrentUser,
    messaging: MessagingDep,
) -> ConversationDetail:
    """Admins make a member an admin, or an admin a member (a group keeps at least one)."""
    conversation = await group_changes.set_role(
        messaging, user, message_group_uuid, handle, body.role
    )
    return ConversationDetail.shown(conversation)
