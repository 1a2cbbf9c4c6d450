"""/openapi.json as the running server enforces it.

FastAPI derives the document from the routes and their models; what depends on this server's
settings is completed here, from the very values the code checks against, when the document is
first asked for: the page size's maximum and the message's length (the messaging context), a
file's size (the shelf), each 429's limit (the rules of services/limits.py), the emoji pattern
(the table domain/reactions.py looks emoji up in), and the answers the HTTP layer gives before
any route runs (api/http_protocol.py, api/limits.py), which every operation can get.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from cruddur.api.emoji_pattern import emoji_pattern
from cruddur.api.http_protocol import MAX_HEAD_BYTES
from cruddur.api.params import EMOJI_PARAMETER, RATE_LIMITS
from cruddur.bootstrap import Runtime
from cruddur.services.limits import Rule

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@dataclass(frozen=True)
class Facts:
    """What the document says that depends on the server's settings."""

    page_max: int
    message_max_chars: int
    file_max_bytes: int | None  # None: this server takes no files
    body_max_bytes: int
    head_timeout: float
    body_timeout: float
    rules: Mapping[str, Rule]

    @classmethod
    def of(cls, runtime: Runtime, body_max_bytes: int) -> Facts:
        messaging, settings = runtime.messaging, runtime.settings
        return cls(
            page_max=messaging.page_max,
            message_max_chars=messaging.max_chars,
            file_max_bytes=None if messaging.shelf is None else messaging.shelf.max_bytes,
            body_max_bytes=body_max_bytes,
            head_timeout=settings.request_head_timeout,
            body_timeout=settings.request_body_timeout,
            rules=runtime.limits.rules,
        )


def install(app: FastAPI, facts: Facts) -> None:
    generate = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(generate(), facts)  # FastAPI's keeps it as app.openapi_schema
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def complete(document: dict[str, Any], facts: Facts) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Emoji"] = {
        "type": "string",
        "pattern": emoji_pattern(),
        "description": "a single emoji, as Unicode lists them (a flag, a skin tone, a family)",
    }
    for body in ("MessageCreate", "MessageEdit"):
        schemas[body]["properties"]["message"]["maxLength"] = facts.message_max_chars
    if facts.file_max_bytes is not None:
        schemas["AttachmentCreate"]["properties"]["size"]["maximum"] = facts.file_max_bytes
    for operation in operations(document):
        _complete_operation(operation, facts)


def operations(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document.get("paths", {}).values():
        yield from (operation for method, operation in item.items() if method in METHODS)


def _complete_operation(operation: dict[str, Any], facts: Facts) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] == "limit":
            parameter["schema"]["maximum"] = facts.page_max
        if parameter["in"] == "path" and parameter["name"] == EMOJI_PARAMETER:
            parameter["schema"] = {"$ref": "#/components/schemas/Emoji"}
    responses = operation.setdefault("responses", {})
    for status, description in _transport(facts).items():
        responses.setdefault(status, {"description": description, "content": ERROR_BODY})
    limited = responses.get("429", {})
    if RATE_LIMITS in limited:
        limited["description"] = "; ".join(
            _rule_text(name, facts.rules[name]) for name in limited[RATE_LIMITS]
        )


def _transport(facts: Facts) -> dict[str, str]:
    """What the HTTP layer answers before any route runs, on any operation."""
    return {
        "408": f"the request line and headers took over {facts.head_timeout:g} s, or the body"
        f" over {facts.body_timeout:g} s",
        "413": f"the request body is over {facts.body_max_bytes} bytes",
        "431": f"the request line and headers are over {MAX_HEAD_BYTES} bytes",
    }


def _rule_text(name: str, rule: Rule) -> str:
    per = {60: "minute", 3600: "hour"}.get(rule.seconds, f"{rule.seconds} s")
    return f"more than {rule.count} per {per} (`{name}`): {rule.says}"
