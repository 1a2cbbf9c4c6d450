"""The pages: sign up, sign in, inbox, conversation, new conversation, and the errors between."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from cruddur.api import session
from cruddur.api.deps import (
    AccountsDep,
    HubDep,
    MessagingDep,
    SignInGate,
    UsersDep,
    client_address,
    end_session,
    file_links,
    user_of,
)
from cruddur.api.errors import status_of
from cruddur.api.schemas.conversations import ConversationPublic
from cruddur.api.schemas.messages import MessagePublic
from cruddur.domain.model import UNREAD_CAP, UserRef
from cruddur.errors import (
    Conflict,
    CruddurError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthorized,
)
from cruddur.services import inbox, reading
from cruddur.services.accounts import Accounts
from cruddur.services.context import MessagingContext
from cruddur.services.sending import post_message
from cruddur.web.times import ago

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["unread_cap"] = UNREAD_CAP
templates.env.filters["ago"] = ago
STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)
PAGE = 30
INBOX_PAGE = 20


def page_user(request: Request, accounts: Accounts) -> UserRef | None:
    token = session.session_token(request)
    if not token:
        return None
    try:
        user = accounts.user_of(token)
    except (Unauthorized, Forbidden):
        return None
    return UserRef(user.uuid, user.handle, user.display_name)


async def reading_user(request: Request, accounts: Accounts) -> UserRef | None:
    """page_user for the pages that read on the event loop, as the JSON API's routes do: a
    session verified moments ago costs no thread."""
    token = session.session_token(request)
    if not token:
        return None
    try:
        user = await user_of(accounts, token)
    except (Unauthorized, Forbidden):
        return None
    return UserRef(user.uuid, user.handle, user.display_name)


def render(
    request: Request, name: str, user: UserRef | None, status: int = 200, **context: Any
) -> HTMLResponse:
    context.update(user=user, csrf=session.csrf_token(request))
    response = templates.TemplateResponse(request, name, context, status_code=status)
    session.set_cookies(request, response)
    return response


def not_found(request: Request, user: UserRef | None) -> HTMLResponse:
    # A conversation you are not in looks exactly like one that does not exist.
    return render(request, "error.html", user, 404, title="Not found",
                  text="There is nothing here, or it is not yours to see.")  # fmt: skip


def to_signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


@router.api_route("/favicon.ico", methods=["GET", "HEAD"])
def favicon() -> FileResponse:
    # Browsers ask for it at the root on a first visit, whatever the page links to; unanswered,
    # it was a 404 in every console.
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon")


@router.get("/signin")
def signin_page(request: Request, accounts: AccountsDep) -> Response:
    return render(request, "signin.html", page_user(request, accounts))


@router.post("/signin", dependencies=[SignInGate])
def signin(
    request: Request,
    accounts: AccountsDep,
    handle: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    session.check_csrf(request, csrf)
    try:
        signed = accounts.log_in(handle, password, client_address(request))
    except (Unauthorized, Forbidden, TooManyAttempts) as exc:  # Forbidden: Cognito mode
        page = render(
            request, "signin.html", None, status_of(exc), error=exc.message, handle=handle
        )
        return _retry_after(page, exc)
    response = RedirectResponse("/", status_code=303)
    session.start_session(request, response, signed.access_token, signed.expires_in)
    return response


def _retry_after(response: HTMLResponse, error: CruddurError) -> HTMLResponse:
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@router.get("/signup")
def signup_page(request: Request, accounts: AccountsDep) -> Response:
    return render(request, "signup.html", page_user(request, accounts), form={})


@router.post("/signup", dependencies=[SignInGate])
def signup(
    request: Request,
    accounts: AccountsDep,
    handle: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    session.check_csrf(request, csrf)
    form = {"handle": handle, "display_name": display_name, "email": email}
    try:
        signed = accounts.sign_up(handle, display_name, email, password, client_address(request))
    except (Invalid, Conflict, Forbidden, TooManyAttempts) as exc:
        page = render(request, "signup.html", None, status_of(exc), error=exc.message, form=form)
        return _retry_after(page, exc)
    response = RedirectResponse("/", status_code=303)
    session.start_session(request, response, signed.access_token, signed.expires_in)
    return response


@router.post("/signout")
def signout(
    request: Request,
    accounts: AccountsDep,
    hub: HubDep,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    session.check_csrf(request, csrf)
    token = session.session_token(request)
    if token:
        with contextlib.suppress(Unauthorized, Forbidden):  # already over: nothing to end
            end_session(accounts, hub, token)
    response = to_signin()
    session.end_session(request, response)
    return response


@router.get("/")
async def inbox_page(request: Request, accounts: AccountsDep, messaging: MessagingDep) -> Response:
    user = await reading_user(request, accounts)
    if user is None:
        return to_signin()
    return render(request, "messages.html", user, **await _inbox(messaging, user), other=None)


async def _inbox(messaging: MessagingContext, user: UserRef) -> dict[str, Any]:
    """The inbox pane, beside any conversation at desktop widths."""
    page = await inbox.list_inbox(messaging, user.uuid, INBOX_PAGE)
    rows = [ConversationPublic.of(entry) for entry in page.items]
    return {"rows": rows, "next_cursor": page.next_cursor}


@router.get("/messages/new")
def new_page(request: Request, accounts: AccountsDep, to: str = "") -> Response:
    user = page_user(request, accounts)
    if user is None:
        return to_signin()
    return render(request, "new.html", user, handle=to, message="")


@router.post("/messages/new")
async def start(
    request: Request,
    accounts: AccountsDep,
    messaging: MessagingDep,
    users: UsersDep,
    handle: Annotated[str, Form(max_length=64)] = "",
    message: Annotated[str, Form(max_length=100_000)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    session.check_csrf(request, csrf)
    user = await reading_user(request, accounts)
    if user is None:
        return to_signin()
    try:
        sent = await post_message(messaging, users, user, message, handle=handle)
    except (Invalid, NotFound, Forbidden, TooManyAttempts) as exc:  # Forbidden: blocked
        page = render(request, "new.html", user, status_of(exc), error=exc.message,
                      handle=handle, message=message)  # fmt: skip
        return _retry_after(page, exc)
    return RedirectResponse(f"/messages/{sent.group_uuid}", status_code=303)


@router.get("/messages/{group}")
async def conversation_page(
    group: str,
    request: Request,
    accounts: AccountsDep,
    messaging: MessagingDep,
) -> Response:
    user = await reading_user(request, accounts)
    if user is None:
        return to_signin()
    ctx = messaging
    try:
        # Reading only: a GET changes nothing. The page's script marks it read by a POST.
        row = await inbox.get_conversation(ctx, user.uuid, group)
        page = await reading.list_messages(ctx, user.uuid, group, PAGE)
    except (NotFound, Invalid):
        return not_found(request, user)
    # A group has no one other member: its blocks fold messages on the page, they stop nothing.
    group_kind = row.kind != "direct"
    blockers = set() if group_kind else await ctx.blocks.blockers_between(user.uuid, row.other.uuid)
    return render(request, "messages.html", user, **await _inbox(ctx, user),
                  group=row.group_uuid, other=row.other, kind=row.kind,
                  member_count=row.member_count,
                  messages=[MessagePublic.of(m, user.uuid, file_links(ctx)).model_dump()
                            for m in page.items],
                  next_messages=page.next_cursor, read_until=row.other_read_until,
                  read_at=row.other_read_at, blocked=user.uuid in blockers,
                  max_chars=ctx.max_chars)  # fmt: skip


def wants_html(request: Request) -> bool:
    path = request.url.path
    api = path.startswith(("/api/", "/web/", "/.well-known/", "/static/"))
    return not api and "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int) -> HTMLResponse | None:
    """The page for an unknown address, for browsers (API clients keep the JSON body)."""
    if status not in (404, 405) or not wants_html(request):
        return None
    # Signed in, the page keeps its header (who you are, New, Sign out).
    user = page_user(request, request.app.state.runtime.accounts)
    if status == 404:
        return not_found(request, user)
    return render(request, "error.html", user, status, title="Something went wrong",
                  text="That did not work. Go back and try again.")  # fmt: skip
