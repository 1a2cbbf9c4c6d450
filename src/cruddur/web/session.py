"""Cookie sessions for the pages, and their CSRF protection.

The session cookie holds the same access token the JSON API takes as a bearer token (HttpOnly:
page scripts never see it). CSRF is a double submit: a random token in its own HttpOnly cookie,
repeated in every form (and in the X-CSRF-Token header of script posts, read from a meta tag);
a post whose two copies differ is refused. SameSite=Lax on both cookies is the second fence.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from cruddur.errors import Forbidden

SESSION_COOKIE = "cruddur_session"
CSRF_COOKIE = "cruddur_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


class CsrfRefused(Forbidden):
    code = "csrf"


def csrf_token(request: Request) -> str:
    """The request's CSRF token (made now if the browser has none yet)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing
    token: str | None = getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise CsrfRefused("this form has expired or did not come from this site; reload it")


def _secure(request: Request) -> bool:
    # Behind a TLS-terminating load balancer the app sees plain http: CRUDDUR_COOKIE_SECURE=true
    # marks the cookies Secure regardless. Unset: Secure exactly when the request came over https.
    configured: bool | None = request.app.state.runtime.settings.cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def set_cookies(request: Request, response: Response) -> None:
    """Send the CSRF cookie if this request made one."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/"
        )


def start_session(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
