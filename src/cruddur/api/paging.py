"""Paging as DESIGN §4 has it: the body stays an array, the next cursor rides in a header."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Response

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
