"""User profiles, as other users see them, and the users you block."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from cruddur.adapters.users.directory import UsersDirectory
from cruddur.api.deps import CurrentUser, LimitsDep, MessagingDep, UsersDep, client_address
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.params import HandlePath, rate_limited
from cruddur.api.schemas.accounts import BlockPublic, UserPublic
from cruddur.domain.model import UserRef
from cruddur.services import blocking

router = APIRouter(responses=ERROR_RESPONSES, tags=["users"])


@router.get(
    "/api/users/@{handle}/short", operation_id="getUserShort", responses=rate_limited("profile")
)
def user_short(
    handle: HandlePath, request: Request, limits: LimitsDep, users: UsersDep
) -> UserPublic:
    """A user's uuid, handle and display name: public, as a Cruddur profile page is (the
    course's new-conversation page asks without a token), limited per client address."""
    limits.hit("profile", client_address(request))
    return UserPublic.of(users.by_handle(handle))


async def _user(users: UsersDirectory, handle: str) -> UserRef:
    # PostgreSQL, blocking: on a thread, then the block itself on the loop.
    found = await run_in_threadpool(users.by_handle, handle)
    return UserRef(found.uuid, found.handle, found.display_name)


@router.post(
    "/api/users/@{handle}/block",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="blockUser",
    responses=rate_limited("block"),
)
async def block_user(
    handle: HandlePath, user: CurrentUser, messaging: MessagingDep, users: UsersDep
) -> Response:
    """Block a user: no messages either way (403 `blocked`) and your inbox hides your
    conversation with them, until you unblock them. Blocking twice changes nothing."""
    await blocking.block(messaging, user, await _user(users, handle))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/api/users/@{handle}/block",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="unblockUser",
    responses=rate_limited("block"),
)
async def unblock_user(
    handle: HandlePath, user: CurrentUser, messaging: MessagingDep, users: UsersDep
) -> Response:
    """Unblock a user: your conversation with them shows again."""
    await blocking.unblock(messaging, user, await _user(users, handle))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/blocks", tags=["users"], operation_id="listBlocks")
async def list_blocks(user: CurrentUser, messaging: MessagingDep) -> list[BlockPublic]:
    """The users you block."""
    return [BlockPublic.of(b) for b in await blocking.blocks_of(messaging, user)]
