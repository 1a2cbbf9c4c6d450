"""Items as the adapters build them, sized DynamoDB's way: what the table's storage is priced on
(and what the integration tests hold the adapters' items to)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from cruddur.adapters.crypto import sealing
from cruddur.adapters.dynamodb import group_items, inbox_items, message_items, pair_items
from cruddur.domain.groups import ADMIN, MEMBER, Group, Member
from cruddur.domain.model import Message, UserRef


def sample_item_sizes(message_chars: int) -> tuple[int, int, int]:
    """Bytes of a message item, an inbox row and a pair item as the adapters build them."""
    a = UserRef(str(uuid.uuid4()), "handle_1234", "Display Name Here")
    b = UserRef(str(uuid.uuid4()), "handle_5678", "Other Display Name")
    group = str(uuid.uuid4())
    message = Message(
        group_uuid=group,
        message_uuid=str(uuid.uuid4()),
        text="x" * message_chars,
        created_at="2026-01-01T00:00:00.000000+00:00",
        sender=a,
        member_uuids=(a.uuid, b.uuid),
    )
    stored = message_items.message_item(message, SIZE_ONLY)
    return (
        item_bytes(stored),
        item_bytes(inbox_items.inbox_item(b, a, message_items.last_message_of(stored))),
        item_bytes(pair_items.pair_item(a, b, group)),
    )


def sample_group_sizes(members: int, message_chars: int) -> tuple[int, int]:
    """Bytes of a group's membership item and of a member's row of it, as the adapters build
    them, for a group of `members` whose last message has `message_chars` characters."""
    group_uuid = str(uuid.uuid4())
    joined_at = "2026-01-01T00:00:00.000000+00:00"
    joined_sk = f"{joined_at}#{uuid.uuid4()}"
    people = tuple(
        Member(
            str(uuid.uuid4()),
            f"handle_{index:04d}",
            f"Display Name {index:04d}",
            ADMIN if index == 0 else MEMBER,
            joined_at,
            joined_sk,
        )
        for index in range(members)
    )
    group = Group(group_uuid, None, people, version=1, created_at=joined_at)
    message = Message(
        group_uuid=group_uuid,
        message_uuid=str(uuid.uuid4()),
        text="x" * message_chars,
        created_at=joined_at,
        sender=people[0].ref,
        member_uuids=(),  # a group's message names no members: its membership item does
    )
    latest = message_items.last_message_of(message_items.message_item(message, SIZE_ONLY))
    return (
        item_bytes(group_items.members_item(group)),
        item_bytes(group_items.member_row(group, people[-1], latest)),
    )


class _SizeOnly:
    """Sealed values of the real length (sealing adds a fixed number of bytes), no key."""

    def seal(self, text: str, group_uuid: str, sort_key: str, author: str | None = None) -> bytes:
        overhead = sealing.OVERHEAD if author is None else sealing.AUTHORED_OVERHEAD
        return bytes(len(text.encode()) + overhead)

    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str:
        raise NotImplementedError("sizes only")

    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]:
        return set()

    def load_keys(self, key_ids: Iterable[bytes]) -> None:
        return None

    def sealing_ready(self, author: str | None = None) -> bool:
        return True

    def prepare_sealing(self, author: str | None = None) -> None:
        return None


SIZE_ONLY = _SizeOnly()


def item_bytes(item: Mapping[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8 strings, raw binary)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: Mapping[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "B":
        return len(data)
    if kind in {"SS", "BS"}:
        return sum(len(v.encode()) if isinstance(v, str) else len(v) for v in data)
    if kind == "N":
        return 1 + math.ceil(len(str(data).lstrip("-").replace(".", "")) / 2)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_bytes(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in data.items())
    raise ValueError(f"unknown attribute type {kind}")
