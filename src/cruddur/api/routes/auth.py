"""Local accounts: sign up, log in, who am I, and the public keys of the tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials

from cruddur.api.deps import (
    AccountsDep,
    CurrentUser,
    HubDep,
    SignInGate,
    bearer,
    client_address,
    end_session,
)
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.params import RETRY_AFTER, rate_limited
from cruddur.api.request_log import note_user
from cruddur.api.schemas.accounts import LoginCreate, SignupCreate, TokenPublic, UserPublic
from cruddur.api.schemas.common import ErrorBody
from cruddur.errors import NotFound, Unauthorized
from cruddur.services.accounts import Session

router = APIRouter(responses=ERROR_RESPONSES)
# Sign-ins past what the password hashes can take at once are turned away (deps.Gate).
BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorBody,
        "description": "sign-in is busy (then with Retry-After), or a backend is down",
        "headers": RETRY_AFTER,
    }
}


def _token(session: Session) -> TokenPublic:
    return TokenPublic(
        access_token=session.access_token,
        expires_in=session.expires_in,
        user=UserPublic.of(session.user),
    )


@router.post(
    "/api/auth/signup",
    status_code=status.HTTP_201_CREATED,
    tags=["auth"],
    operation_id="signUp",
    responses={
        409: {"model": ErrorBody, "description": "handle or email taken"},
        **rate_limited("signup"),
        **BUSY,
    },
    dependencies=[SignInGate],
)
def signup(body: SignupCreate, request: Request, accounts: AccountsDep) -> TokenPublic:
    """Create a local account and sign in to it."""
    session = accounts.sign_up(
        body.handle, body.display_name, body.email, body.password, client_address(request)
    )
    note_user(request.scope, session.user.uuid)
    return _token(session)


@router.post(
    "/api/auth/login",
    tags=["auth"],
    operation_id="logIn",
    responses={**rate_limited("login", "login_failures"), **BUSY},
    dependencies=[SignInGate],
)
def login(body: LoginCreate, request: Request, accounts: AccountsDep) -> TokenPublic:
    """Sign in with a handle (or email) and password."""
    session = accounts.log_in(body.handle, body.password, client_address(request))
    note_user(request.scope, session.user.uuid)
    return _token(session)


@router.post(
    "/api/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"], operation_id="logOut"
)
def logout(
    accounts: AccountsDep,
    hub: HubDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """End this token's session on every API process, and close its live-update streams."""
    if credentials is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <access token>")
    end_session(accounts, hub, credentials.credentials)


@router.get("/api/me", tags=["auth"], operation_id="getMe")
def me(user: CurrentUser) -> UserPublic:
    """The signed-in user."""
    return UserPublic(uuid=user.uuid, handle=user.handle, display_name=user.display_name)


@router.get("/.well-known/jwks.json", tags=["auth"], operation_id="getJwks")
def jwks(accounts: AccountsDep) -> dict[str, Any]:
    """The public keys that verify this server's access tokens (local accounts only)."""
    issuer = accounts.issuer
    if issuer is None:
        raise NotFound("this server does not issue tokens; see the Cognito pool's keys")
    return issuer.jwks()
