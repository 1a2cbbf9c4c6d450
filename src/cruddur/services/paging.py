"""Pages of a list, as the API hands them out: a size within bounds, and the store's position
signed into a cursor bound to who asked for which list."""

from __future__ import annotations

from typing import TypeVar

from cruddur.domain.model import Page, Position
from cruddur.errors import Invalid
from cruddur.services.context import MessagingContext

T = TypeVar("T")


def check_limit(ctx: MessagingContext, limit: int) -> int:
    if not 1 <= limit <= ctx.page_max:
        raise Invalid(f"limit must be between 1 and {ctx.page_max}", field="limit")
    return limit


def decode_cursor(ctx: MessagingContext, scope: str, cursor: str | None) -> Position | None:
    """The store's position in a cursor signed for this scope (the store checks what it
    names); InvalidCursor for any other string."""
    return None if cursor is None else ctx.cursors.decode(scope, cursor)


def page_of(ctx: MessagingContext, scope: str, found: list[T], last: Position | None) -> Page[T]:
    return Page(found, None if last is None else ctx.cursors.encode(scope, last))
