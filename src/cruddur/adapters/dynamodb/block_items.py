"""Block items: whom a user blocks, with the name they had then."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cruddur.adapters.dynamodb.attributes import (
    BLOCKED_AT,
    BLOCKED_DISPLAY_NAME,
    BLOCKED_HANDLE,
    BLOCKED_UUID,
    USER_UUID,
    Item,
    s,
    to_attrs,
)
from cruddur.domain import keys
from cruddur.domain.model import Block, UserRef


def block_item(block: Block) -> Item:
    return {
        **to_attrs(keys.block_key(block.owner_uuid, block.blocked.uuid)),
        USER_UUID: s(block.owner_uuid),
        BLOCKED_UUID: s(block.blocked.uuid),
        BLOCKED_HANDLE: s(block.blocked.handle),
        BLOCKED_DISPLAY_NAME: s(block.blocked.display_name),
        BLOCKED_AT: s(block.blocked_at),
    }


def block_from_item(item: Mapping[str, Any]) -> Block:
    return Block(
        owner_uuid=item[USER_UUID]["S"],
        blocked=UserRef(
            item[BLOCKED_UUID]["S"],
            item[BLOCKED_HANDLE]["S"],
            item[BLOCKED_DISPLAY_NAME]["S"],
        ),
        blocked_at=item[BLOCKED_AT]["S"],
    )
