"""Opaque paging cursors: a store's position (`Position`), signed and bound to who asked for
what.

A cursor is `v1.<payload>.<mac>` (base64url). The MAC covers the payload and the *scope*
(e.g. the viewer and the group), which is not in the token: a cursor taken from another user's
or another group's query fails verification exactly as a forged one does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cruddur.domain import constant_time
from cruddur.domain.model import Position
from cruddur.errors import InvalidCursor

VERSION = "v1"
MAX_TOKEN_LENGTH = 2048


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the cursor secret must be at least 16 bytes")
        self._secret = secret

    def _mac(self, scope: str, payload: str) -> str:
        message = f"{VERSION}\n{scope}\n{payload}".encode()
        return _b64encode(hmac.new(self._secret, message, hashlib.sha256).digest())

    def encode(self, scope: str, position: Position) -> str:
        payload = _b64encode(position.encode())
        return f"{VERSION}.{payload}.{self._mac(scope, payload)}"

    def decode(self, scope: str, token: str) -> Position:
        """The position in a cursor issued for this scope; else InvalidCursor. What the
        position names is the store's to check (`adapters/dynamodb/positions.py`)."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidCursor()
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            raise InvalidCursor()
        _, payload, mac = parts
        if not constant_time.equal(self._mac(scope, payload), mac):
            raise InvalidCursor()
        try:
            return Position(_b64decode(payload).decode())
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor() from exc
