"""Your data: take it all away (GET /api/me/export), or delete your account for good
(DELETE /api/me) — erasure that reaches the backups too (services/erasure.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from cruddur.adapters.users.directory import UsersDirectory
from cruddur.api import session
from cruddur.api.deps import (
    AccountsDep,
    CurrentUser,
    ErasureDep,
    MessagingDep,
    RecordsDep,
    UsersDep,
    bearer,
)
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.params import rate_limited
from cruddur.api.schemas.accounts import AccountErase
from cruddur.api.schemas.common import ErrorBody
from cruddur.domain.model import User, UserRef
from cruddur.errors import NotFound, Unavailable
from cruddur.services.context import within_limit
from cruddur.services.erasure import erase_account
from cruddur.services.export import export_account

router = APIRouter(responses=ERROR_RESPONSES, tags=["account"])


async def _full(users: UsersDirectory, user: UserRef) -> User:
    found = await run_in_threadpool(users.by_uuid, user.uuid)
    if found is None:
        raise NotFound("no such user")
    return found


@router.get(
    "/api/me/export",
    response_class=Response,
    operation_id="exportMe",
    responses={
        200: {"content": {"application/zip": {}}, "description": "your data, a zip"},
        **rate_limited("export"),
    },
)
async def export_me(
    user: CurrentUser, messaging: MessagingDep, users: UsersDep, records: RecordsDep
) -> Response:
    """Everything of yours as a zip: `cruddur-export.json` (machine-readable), `index.html`
    (readable) and `files/`. Once an hour."""
    if records is None:
        raise Unavailable("export is not available here")
    await within_limit(messaging, "export", user.uuid)
    export = await export_account(messaging, records, await _full(users, user))
    return Response(
        export.data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="cruddur-export.zip"'},
    )


def _token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    return (
        credentials.credentials if credentials is not None else session.session_token(request) or ""
    )


@router.delete(
    "/api/me",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteMe",
    responses={403: {"model": ErrorBody, "description": "wrong password, or sign in again"}},
)
async def delete_me(
    body: AccountErase,
    request: Request,
    user: CurrentUser,
    messaging: MessagingDep,
    users: UsersDep,
    accounts: AccountsDep,
    erasure: ErasureDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Response:
    """Delete your account for good: your password (local accounts), or a sign-in of the last
    few minutes (Cognito). Your words become unreadable everywhere, backups included; the other
    members see "Deleted account"; your handle is free again."""
    if erasure is None:
        raise Unavailable("erasure is not available here")
    full = await _full(users, user)
    token = _token(request, credentials)
    await run_in_threadpool(accounts.check_presence, token, full, body.password)
    await erase_account(messaging, erasure, accounts, full)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    session.end_session(request, response)
    return response
