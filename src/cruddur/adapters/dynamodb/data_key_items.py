"""A data key generation's item: the key wrapped, what wraps it (named, never the key), when."""

from __future__ import annotations

from collections.abc import Mapping

from cruddur.adapters.dynamodb.attributes import (
    CREATED_AT,
    WRAPPED_BY,
    WRAPPED_KEY,
    Item,
    s,
    to_attrs,
)


def data_key_item(key: Mapping[str, str], wrapped: bytes, wrapped_by: str, created_at: str) -> Item:
    return {
        **to_attrs(key),
        WRAPPED_KEY: {"B": wrapped},
        WRAPPED_BY: s(wrapped_by),
        CREATED_AT: s(created_at),
    }
