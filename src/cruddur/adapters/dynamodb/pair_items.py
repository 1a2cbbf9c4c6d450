"""Pair items: the one direct conversation of two people (pattern F)."""

from __future__ import annotations

from cruddur.adapters.dynamodb.attributes import GROUP_UUID, USER_UUIDS, Item, s, to_attrs
from cruddur.domain import keys
from cruddur.domain.model import UserRef


def pair_item(a: UserRef, b: UserRef, group_uuid: str) -> Item:
    return {
        **to_attrs(keys.pair_key(a.uuid, b.uuid)),
        GROUP_UUID: s(group_uuid),
        USER_UUIDS: {"L": [s(a.uuid), s(b.uuid)]},
    }
