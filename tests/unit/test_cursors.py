from __future__ import annotations

import base64
import json

import pytest

from cruddur.adapters.dynamodb import positions
from cruddur.domain.cursors import CursorCodec
from cruddur.domain.model import Position
from cruddur.errors import InvalidCursor

FIELDS = frozenset({"pk", "sk"})
KEY = {"pk": "MSG#g", "sk": "2026-01-01T00:00:00.000000Z#u"}
POSITION = positions.position_of(KEY)


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(b"0123456789abcdef0123")


def test_round_trip(codec):
    assert codec.decode("scope", codec.encode("scope", POSITION)) == POSITION
    assert positions.key_of(POSITION, FIELDS, "MSG#g") == KEY


def test_other_scope_other_secret_and_edits_are_refused(codec):
    token = codec.encode("scope", POSITION)
    with pytest.raises(InvalidCursor):
        codec.decode("other-scope", token)
    with pytest.raises(InvalidCursor):
        CursorCodec(b"another-secret-0123456").decode("scope", token)
    version, _payload, mac = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"pk": "MSG#x", "sk": "z"}).encode()).decode()
    for bad in [
        f"{version}.{forged.rstrip('=')}.{mac}",
        token[:-1],
        "v2" + token[2:],
        "",
        "a.b",
        "x" * 5000,
    ]:
        with pytest.raises(InvalidCursor):
            codec.decode("scope", bad)


def test_a_well_signed_position_with_the_wrong_fields_or_partition_is_refused(codec):
    token = codec.encode("scope", positions.position_of({"pk": "MSG#g"}))
    with pytest.raises(InvalidCursor):
        positions.key_of(codec.decode("scope", token), FIELDS, "MSG#g")
    for wrong in ('{"pk": "MSG#g", "sk": ""}', '["MSG#g"]', "not json", '{"pk": 1, "sk": "s"}'):
        with pytest.raises(InvalidCursor):
            positions.key_of(Position(wrong), FIELDS, "MSG#g")
    with pytest.raises(InvalidCursor):  # signed, well formed, another partition
        positions.key_of(POSITION, FIELDS, "MSG#other")


def test_a_cursor_reads_as_it_did_when_it_named_a_key(codec):
    # Cursors handed out before positions were opaque still work: the same bytes are signed.
    payload = base64.urlsafe_b64encode(
        json.dumps(KEY, separators=(",", ":"), sort_keys=True).encode()
    )
    assert codec.encode("scope", POSITION).split(".")[1] == payload.rstrip(b"=").decode()


def test_short_secrets_are_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        CursorCodec(b"short")
