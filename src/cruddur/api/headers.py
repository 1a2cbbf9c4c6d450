"""Security headers on every response, pages and JSON alike, set in one place.

The pages run no inline script or style (the script's modules and the stylesheet are files), so
the policy allows scripts, styles and connections from this origin only. Responses carry private
data: nothing but the static files may be stored by a browser or a proxy (and those are asked
for again each time). The interactive API docs (off with --prod unless asked for) load Swagger
UI from its CDN and get their own policy."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def page_policy(file_origin: str | None) -> str:
    if file_origin is None:
        return PAGE_POLICY
    return PAGE_POLICY.replace(
        "img-src 'self' data:", f"img-src 'self' data: {file_origin}"
    ).replace("connect-src 'self'", f"connect-src 'self' {file_origin}")


DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# A file of a message (the local store; S3 serves them on AWS): nothing in it ever runs, even
# opened on its own (sandbox: no script, no same-origin access), and a short-lived link's answer
# may be kept by the browser that asked, for as long as the link lives.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
FILES_PATH = "/api/files/"
FILE_CACHE = b"private, max-age=300"
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts,
    # and the CSRF check needs the real origin.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")
REPLACED = {b"cache-control", b"content-security-policy", *(name for name, _ in COMMON)}


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts: bool = False, file_origin: str | None = None) -> None:
        self.app = app
        self.hsts = hsts  # behind TLS (CRUDDUR_COOKIE_SECURE=true): browsers keep to https
        # Where photos and files live when not here (the attachments bucket): the pages show
        # its images and upload to it, and may reach nothing else.
        self.page_policy = page_policy(file_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        static = path.startswith("/static/")
        file = path.startswith(FILES_PATH)
        policy = (
            DOCS_POLICY
            if path.startswith(DOCS_PATHS)
            else FILE_POLICY
            if file
            else self.page_policy
        )
        extra = [*COMMON, (b"content-security-policy", policy.encode())]
        if file:
            extra.append((b"cache-control", FILE_CACHE))
        elif static:
            # The page's script is a dozen modules that import each other: a browser guessing
            # from Last-Modified could run a cached module beside a new one after an upgrade,
            # and one missing export stops the page. Each is asked again (a 304 when unchanged).
            extra.append((b"cache-control", b"no-cache"))
        else:
            extra.append((b"cache-control", b"no-store"))
        if self.hsts or scope.get("scheme") == "https":
            extra.append(HSTS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in REPLACED]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, with_headers)
