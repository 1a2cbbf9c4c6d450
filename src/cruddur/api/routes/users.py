"""User profiles, as other users see them."""

from __future__ import annotations

from fastapi import APIRouter

from cruddur.api.deps import CurrentUser, RuntimeDep
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.schemas import UserPublic

router = APIRouter(responses=ERROR_RESPONSES, tags=["users"])


@router.get("/api/users/@{handle}/short")
def user_short(handle: str, runtime: RuntimeDep, _: CurrentUser) -> UserPublic:
    """A user's uuid, handle and display name."""
    return UserPublic.of(runtime.users.by_handle(handle))
