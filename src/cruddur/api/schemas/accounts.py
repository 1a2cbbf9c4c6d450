"""Accounts: signing up and in (the token), erasing one's account, a user as others see them,
and the users one has blocked."""

from __future__ import annotations

from pydantic import BaseModel, Field

from cruddur.api.schemas.common import HANDLE_PATTERN, RequestBody
from cruddur.domain.model import Block, User


class SignupCreate(RequestBody):
    handle: str = Field(
        pattern=HANDLE_PATTERN,
        description="3 to 32 letters, digits or underscores; case-insensitive",
        examples=["ada"],
    )
    display_name: str = Field(min_length=1, max_length=100, pattern=r"\S", examples=["Ada Quill"])
    email: str = Field(
        max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$", examples=["ada@example.org"]
    )
    password: str = Field(min_length=8, max_length=256)


class LoginCreate(RequestBody):
    handle: str = Field(min_length=1, max_length=254, description="handle or email")
    password: str = Field(min_length=1, max_length=256)


class AccountErase(RequestBody):
    password: str | None = Field(
        default=None, max_length=256, description="your password (local accounts)"
    )


class UserPublic(BaseModel):
    uuid: str
    handle: str
    display_name: str

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(uuid=user.uuid, handle=user.handle, display_name=user.display_name)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    user: UserPublic


class BlockPublic(BaseModel):
    user: UserPublic
    blocked_at: str

    @classmethod
    def of(cls, block: Block) -> BlockPublic:
        who = block.blocked
        return cls(
            user=UserPublic(uuid=who.uuid, handle=who.handle, display_name=who.display_name),
            blocked_at=block.blocked_at,
        )
