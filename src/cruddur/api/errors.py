"""The one place typed errors become HTTP statuses and the JSON error body of DESIGN §4."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles

from cruddur.api.schemas.common import ErrorBody, ErrorDetail
from cruddur.errors import (
    Conflict,
    CruddurError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
)
from cruddur.logs import request_id

log = logging.getLogger(__name__)

STATUS: dict[type[CruddurError], int] = {
    Invalid: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooManyAttempts: 429,
    Unavailable: 503,
}

# Documented on every route, so the OpenAPI document says what errors look like.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "bad input"),
        (401, "not signed in, or the token is not valid"),
        (403, "signed in, but not allowed (no linked profile, local sign-in disabled)"),
        (404, "no such thing, or not yours"),
        (413, "the request body is too large"),
        (422, "the body or a parameter does not fit the schema"),
        (503, "a backend (DynamoDB, the users database) is unavailable"),
    )
}


HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def status_of(error: CruddurError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def error_response(
    status: int, details: list[ErrorDetail], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(errors=details, request_id=request_id.get()).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


async def on_cruddur_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CruddurError)
    status = status_of(exc)
    if status >= 500:
        log.warning("%s %s unavailable: %s", request.method, request.url.path, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if exc.retry_after is not None:
        headers = {"Retry-After": str(exc.retry_after)}
    detail = ErrorDetail(code=exc.code, message=exc.message, field=exc.field)
    return error_response(status, [detail], headers)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for error in exc.errors():
        # loc is ("body", "message") or ("query", "limit"): the first part says where, not what.
        where = [str(part) for part in error.get("loc", ())[1:]]
        code = "invalid_json" if error.get("type") == "json_invalid" else "invalid"
        details.append(
            ErrorDetail(code=code, message=str(error.get("msg")), field=".".join(where) or None)
        )
    return error_response(422, details)


# The methods a 405's Allow is asked about: every one a route of this app can declare.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes at this request's path.

    Starlette answers a 405 from the first route whose path matches and names that route's
    methods only: `DELETE /api/me` is a route of its own beside `GET /api/me`, so `Allow: GET`
    left DELETE out. Here the whole app is asked, method by method, as routing itself would
    (FastAPI nests included routers, so asking is sturdier than reading their routes)."""
    scope = request.scope
    # Inside a mount the scope's root_path has grown by the mount's path: asked from the app's.
    root = scope.get("app_root_path", scope.get("root_path", ""))
    allowed = []
    for method in METHODS:
        probe = {**scope, "method": method, "root_path": root}
        for route in request.app.router.routes:
            match, _ = route.matches(probe)
            if match is Match.FULL and _serves(route, method):
                allowed.append(method)
                break
    return allowed


def _serves(route: BaseRoute, method: str) -> bool:
    # A mount matches whatever the method; the static files answer GET and HEAD only.
    if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
        return method in ("GET", "HEAD")
    return True


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    # Browsers asking for a page get the web app's error page, if the app has one.
    page: Callable[[Request, int], Response | None] | None = getattr(
        request.app.state, "error_page", None
    )
    if page is not None and (rendered := page(request, exc.status_code)) is not None:
        rendered.headers.update(headers)
        return rendered
    code = HTTP_CODES.get(exc.status_code, "error")
    return error_response(
        exc.status_code, [ErrorDetail(code=code, message=str(exc.detail))], headers or None
    )


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, [ErrorDetail(code="internal", message="something went wrong")])


def install(app: FastAPI) -> None:
    app.add_exception_handler(CruddurError, on_cruddur_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
