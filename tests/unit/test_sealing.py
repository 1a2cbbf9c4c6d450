"""The sealed format: what opens, what does not, and what a stored value reveals."""

from __future__ import annotations

import pytest

from cruddur.adapters.crypto.sealing import OVERHEAD, Sealer
from cruddur.errors import Unreadable

GROUP = "0b9e3a6e-1a2b-4c5d-8e9f-0123456789ab"
OTHER_GROUP = "1c0f4b7f-2b3c-4d6e-9f0a-123456789abc"
SK = "2026-11-23T10:00:00.000000Z#5d1c0a3e-0000-4000-8000-000000000001"


class TwoGenerations:
    """Data keys in memory (the real ones live in the table: tests/integration)."""

    def __init__(self) -> None:
        self.keys = {b"\x00" * 8: b"k" * 32, b"\x01" * 8: b"j" * 32}
        self.newest = b"\x00" * 8

    def current(self) -> tuple[bytes, bytes]:
        return self.newest, self.keys[self.newest]

    def get(self, key_id: bytes) -> bytes:
        if key_id not in self.keys:
            raise Unreadable("unknown")
        return self.keys[key_id]

    def known(self, key_id: bytes) -> bool:
        return key_id in self.keys


@pytest.fixture
def sealer() -> Sealer:
    return Sealer(TwoGenerations())  # type: ignore[arg-type]


def test_text_opens_in_its_own_message_only(sealer: Sealer):
    sealed = sealer.seal("meet at noon ☀", GROUP, SK)
    assert sealer.open(sealed, GROUP, SK) == "meet at noon ☀"
    assert b"noon" not in sealed
    assert len(sealed) == len("meet at noon ☀".encode()) + OVERHEAD
    with pytest.raises(Unreadable):
        sealer.open(sealed, OTHER_GROUP, SK)  # copied into another conversation
    with pytest.raises(Unreadable):
        sealer.open(sealed, GROUP, SK.replace("10:00", "10:01"))  # or another message


def test_every_seal_differs_and_any_flipped_bit_is_refused(sealer: Sealer):
    first, second = sealer.seal("same", GROUP, SK), sealer.seal("same", GROUP, SK)
    assert first != second  # a fresh nonce each time: equal texts do not show as equal
    for position in range(len(first)):
        tampered = bytearray(first)
        tampered[position] ^= 0x01
        with pytest.raises(Unreadable):
            sealer.open(bytes(tampered), GROUP, SK)


def test_values_of_an_older_generation_still_open(sealer: Sealer):
    generations: TwoGenerations = sealer.data_keys  # type: ignore[assignment]
    old = sealer.seal("before", GROUP, SK)
    generations.newest = b"\x01" * 8
    new = sealer.seal("after", GROUP, SK)
    assert old[1:9] != new[1:9]  # the header names the generation
    assert sealer.open(old, GROUP, SK) == "before"
    assert sealer.open(new, GROUP, SK) == "after"
    assert sealer.unknown_keys([old, new, b"\x01" + b"\x07" * 8 + b"x" * 40]) == {b"\x07" * 8}


def test_truncated_or_foreign_values_are_unreadable_not_a_crash(sealer: Sealer):
    for value in (b"", b"\x01", b"\x02" + bytes(60), sealer.seal("x", GROUP, SK)[:-1]):
        with pytest.raises(Unreadable):
            sealer.open(value, GROUP, SK)


def test_text_stored_in_clear_by_an_older_build_is_refused_not_shown(sealer: Sealer):
    from cruddur.adapters.dynamodb import message_items

    item = {
        "pk": {"S": f"MSG#{GROUP}"},
        "sk": {"S": SK},
        "message_group_uuid": {"S": GROUP},
        "message_uuid": {"S": SK.split("#")[1]},
        "created_at": {"S": SK.split("#")[0]},
        "message": {"S": "in clear"},
        "user_uuid": {"S": "u"},
        "user_handle": {"S": "h"},
        "user_display_name": {"S": "H"},
        "member_uuids": {"L": [{"S": "u"}, {"S": "v"}]},
    }
    with pytest.raises(Unreadable, match="predates encryption"):
        message_items.message_from_item(item, sealer)
    item["message"] = {"B": sealer.seal("sealed", GROUP, SK)}
    assert message_items.message_from_item(item, sealer).text == "sealed"
