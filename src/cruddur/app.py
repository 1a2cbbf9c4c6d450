"""The app factory, the composition root: `create_app(settings)` wires the runtime into the JSON
API's routes and the pages' (`cruddur.api` and `cruddur.web` never import each other's app)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from cruddur import __version__
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.files.local import UPLOAD_URL
from cruddur.api import errors, openapi
from cruddur.api.deps import Gate
from cruddur.api.headers import SecurityHeaders
from cruddur.api.limits import BodySizeLimit
from cruddur.api.paging import NEXT_CURSOR
from cruddur.api.request_log import RequestLog
from cruddur.api.routes import (
    account,
    attachments,
    auth,
    group_members,
    health,
    message_groups,
    messages,
    push,
    users,
)
from cruddur.bootstrap import Runtime, build_runtime, cursor_secret, derived
from cruddur.config import Settings
from cruddur.web import live, pages
from cruddur.web.pages import STATIC

MAX_BODY_BYTES = 64 * 1024  # a 1024-character message is at most 4 KiB of UTF-8


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or build_runtime(settings or Settings())
    docs = runtime.settings.api_docs
    app = FastAPI(
        # The interactive docs show every route to anyone: off in production unless asked for.
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        title="Cruddur Messages",
        version=__version__,
        description="Direct messages between two users. Sign in, then send `Authorization: "
        "Bearer <access token>`. Errors are `{errors: [{code, message, field}]}`.",
        lifespan=_lifespan(runtime),
    )
    app.state.runtime = runtime
    # Sign-ins in flight at once: twice the password hashes that may run (the rest wait for the
    # database or a hashing slot); more are turned away before they take a thread.
    app.state.sign_in_gate = Gate(2 * runtime.accounts.passwords.slots)
    errors.install(app)
    # What /openapi.json says that depends on this server's settings, from the values enforced.
    openapi.install(app, openapi.Facts.of(runtime, MAX_BODY_BYTES))
    _add_middleware(app, runtime.settings)
    _include_routes(app)
    return app


def _lifespan(runtime: Runtime) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Set (from ApiServer.stop, on this loop) when the server begins to stop: open live
        # streams end at once, and their browsers reconnect, rather than hold the shutdown.
        app.state.stopping = asyncio.Event()
        app.state.loop = asyncio.get_running_loop()
        try:
            yield
        finally:
            await runtime.aclose()

    return lifespan


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Each one added wraps those before it: the last added sees a request first."""
    # The local upload endpoint takes a file and its form (S3 takes them on AWS).
    upload_cap = settings.attachment_max_bytes + MAX_BODY_BYTES
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES, larger={UPLOAD_URL: upload_cap})
    app.add_middleware(
        SecurityHeaders,
        hsts=bool(settings.cookie_secure),
        file_origin=AwsClients(settings).file_origin(),
    )
    # Outermost: its line counts every answer, a 413 or a CORS refusal too. The user's keyed
    # hash: following one user's requests needs no log that names them.
    log_key = derived(cursor_secret(settings), b"cruddur log users")
    app.add_middleware(RequestLog, user_key=log_key)
    if settings.cors_origin_list:
        # A front end on another origin calls the JSON API with a bearer token, never cookies:
        # credentials stay off, so the pages' cookie sessions are never reachable from there.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=[NEXT_CURSOR, "Retry-After"],
            allow_credentials=False,
            max_age=600,
        )


def _include_routes(app: FastAPI) -> None:
    for module in (
        auth,
        account,
        users,
        message_groups,
        group_members,
        messages,
        attachments,
        push,
        health,
    ):
        app.include_router(module.router)
    # The web pages ride on the same app: one process serves the JSON API and the browser.
    app.include_router(live.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.error_page = pages.error_page
