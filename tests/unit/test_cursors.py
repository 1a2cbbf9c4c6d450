from __future__ import annotations

import base64
import json

import pytest

from cruddur.domain.cursors import CursorCodec
from cruddur.errors import InvalidCursor

FIELDS = frozenset({"pk", "sk"})
KEY = {"pk": "MSG#g", "sk": "2026-01-01T00:00:00.000000Z#u"}


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(b"0123456789abcdef0123")


def test_round_trip(codec):
    assert codec.decode("scope", codec.encode("scope", KEY), FIELDS) == KEY


def test_other_scope_other_secret_and_edits_are_refused(codec):
    token = codec.encode("scope", KEY)
    with pytest.raises(InvalidCursor):
        codec.decode("other-scope", token, FIELDS)
    with pytest.raises(InvalidCursor):
        CursorCodec(b"another-secret-0123456").decode("scope", token, FIELDS)
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
            codec.decode("scope", bad, FIELDS)


def test_a_well_signed_cursor_with_the_wrong_fields_is_refused(codec):
    token = codec.encode("scope", {"pk": "MSG#g"})
    with pytest.raises(InvalidCursor):
        codec.decode("scope", token, FIELDS)


def test_short_secrets_are_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        CursorCodec(b"short")
