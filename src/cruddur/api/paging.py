"""Paging as DESIGN §4 has it: the body stays an array, the next cursor rides in a header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Query, Response
from pydantic import BaseModel, TypeAdapter

NEXT_CURSOR = "X-Next-Cursor"

LIMIT_QUERY = Query(ge=1, le=1000, description="page size (the server's maximum applies)")
CURSOR_QUERY = Query(max_length=2048, description="the X-Next-Cursor of the previous page")

PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            NEXT_CURSOR: {
                "description": "cursor of the next page; absent on the last page",
                "schema": {"type": "string"},
            }
        }
    }
}


def set_next_cursor(response: Response, cursor: str | None) -> None:
    if cursor is not None:
        response.headers[NEXT_CURSOR] = cursor


_PAGE = TypeAdapter(Sequence[BaseModel])


def page_response(items: Sequence[BaseModel], cursor: str | None) -> Response:
    """The page as a ready JSON response. The items are already our validated response models,
    so FastAPI's second validation pass is skipped: on the hottest routes it costs more than the
    rest of the HTTP layer. The route still declares response_model for the OpenAPI document."""
    body = _PAGE.dump_json(items, serialize_as_any=True)
    response = Response(content=body, media_type="application/json")
    set_next_cursor(response, cursor)
    return response
