"""Cookie sessions for the pages, and their CSRF protection.

The session cookie holds the same access token the JSON API takes as a bearer token (HttpOnly:
page scripts never see it). Before sign-in, an anonymous random cookie stands in for it.

CSRF, three fences on every unsafe request of the pages:
1. The token in each form (and in the X-CSRF-Token header of script posts, read from a meta tag)
   is an HMAC, under a server secret, of the session it was rendered for. An attacker who can
   plant cookies still cannot make a pair that verifies (a plain double submit accepted any
   equal cookie/field pair the attacker chose).
2. `Sec-Fetch-Site` must say same-origin (or none: typed by the user), and an `Origin`, when
   sent, must be this site's.
3. SameSite=Lax cookies; with Secure, the `__Host-` prefix (no subdomain can set or shadow them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from cruddur.domain import constant_time
from cruddur.errors import Forbidden

SESSION_COOKIE = "cruddur_session"
ANONYMOUS_COOKIE = "cruddur_anon"
HOST_PREFIX = "__Host-"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_FETCH_SITES = {"same-origin", "none"}


class CsrfRefused(Forbidden):
    code = "csrf"


def _secure(request: Request) -> bool:
    # Behind a TLS-terminating load balancer the app sees plain http: CRUDDUR_COOKIE_SECURE=true
    # marks the cookies Secure regardless. Unset: Secure exactly when the request came over https.
    configured: bool | None = request.app.state.runtime.settings.cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def cookie_name(request: Request, name: str) -> str:
    """`__Host-` + name when cookies are Secure (the prefix requires it), else the bare name."""
    return HOST_PREFIX + name if _secure(request) else name


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request, SESSION_COOKIE)) or None


def _binding(request: Request) -> str:
    """What this request's CSRF token is bound to: its session, else its anonymous cookie."""
    token = session_token(request)
    if token:
        return "session:" + hashlib.sha256(token.encode()).hexdigest()
    anonymous = request.cookies.get(cookie_name(request, ANONYMOUS_COOKIE))
    if not anonymous or len(anonymous) < 32:
        anonymous = getattr(request.state, "new_anonymous", None)
        if anonymous is None:
            anonymous = secrets.token_urlsafe(32)
            request.state.new_anonymous = anonymous
    return "anonymous:" + anonymous


def _sign(request: Request, binding: str) -> str:
    key: bytes = request.app.state.runtime.csrf_key
    digest = hmac.new(key, binding.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_token(request: Request) -> str:
    """The token the forms of this response carry."""
    return _sign(request, _binding(request))


def check_csrf(request: Request, submitted: str | None) -> None:
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in SAFE_FETCH_SITES:
        raise CsrfRefused("this request came from another site")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise CsrfRefused("this request came from another site")
    expected = _sign(request, _binding(request))
    if not submitted or not constant_time.equal(expected, submitted):
        raise CsrfRefused("this form has expired or did not come from this site; reload it")


def set_cookies(request: Request, response: Response) -> None:
    """Send the anonymous cookie if this request made one."""
    anonymous = getattr(request.state, "new_anonymous", None)
    if anonymous:
        response.set_cookie(
            cookie_name(request, ANONYMOUS_COOKIE),
            anonymous,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path="/",
        )


def start_session(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        cookie_name(request, SESSION_COOKIE),
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        cookie_name(request, SESSION_COOKIE), path="/", secure=_secure(request), httponly=True
    )
