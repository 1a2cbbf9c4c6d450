"""Path parameters and the rate limits of the routes, declared once for every route and for the
OpenAPI document (api/openapi.py completes what depends on the running server).

The formats are documented, not enforced here: a malformed uuid or handle reaches the services,
which answer 400 naming the field (as they always have); a conversation that is not yours is a
404 either way.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path

from cruddur.api.schemas.common import HANDLE_PATTERN, ErrorBody
from cruddur.services.sending import IDEMPOTENCY_KEY_MAX

GroupUuid = Annotated[
    str, Path(description="the conversation's uuid", json_schema_extra={"format": "uuid"})
]
MessageUuid = Annotated[
    str, Path(description="the message's uuid", json_schema_extra={"format": "uuid"})
]
HandlePath = Annotated[
    str,
    Path(
        description="a user's handle (case-insensitive)",
        json_schema_extra={"pattern": HANDLE_PATTERN},
    ),
]
# Its pattern (every single emoji Unicode lists) is large and costs the emoji table to build:
# api/openapi.py adds it when the document is first asked for, never at start-up.
EMOJI_PARAMETER = "emoji"
EmojiPath = Annotated[str, Path(description="one emoji, percent-encoded")]

# The vendor extension naming the limits (services/limits.py) a 429 comes from: the document's
# builder describes each from the running server's rules, and a test holds every name to them.
RATE_LIMITS = "x-rate-limits"
RETRY_AFTER = {
    "Retry-After": {
        "description": "whole seconds until one more request would be allowed",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def rate_limited(*names: str) -> dict[int | str, dict[str, Any]]:
    """A route's 429, past any of the named limits, with its Retry-After."""
    return {
        429: {
            "model": ErrorBody,
            "description": "too many requests",
            "headers": RETRY_AFTER,
            RATE_LIMITS: list(names),
        }
    }


# What post_message takes (printable ASCII, 1 to 255), documented only: a key outside it is the
# service's 400, as before. HTTP drops a value's outer spaces, so they cannot begin or end one.
IDEMPOTENCY_KEY_PATTERN = (
    rf"^[\x21-\x7e](?:[\x20-\x7e]{{0,{IDEMPOTENCY_KEY_MAX - 2}}}[\x21-\x7e])?$"
)
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        max_length=IDEMPOTENCY_KEY_MAX,
        description="retries with the same key return the first result and store nothing",
        json_schema_extra={"pattern": IDEMPOTENCY_KEY_PATTERN},
    ),
]
