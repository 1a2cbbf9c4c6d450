"""Message ids that carry their creation time, so a message's key is computed from its id.

A message's sort key is `{created_at}#{message_uuid}` (keys.py). Editing or deleting names a
message by its uuid alone; were the uuid random, finding its sort key would take an index (a
write more per send) or a scan of the conversation. A UUIDv7 (RFC 9562) holds the Unix time in
milliseconds; its 12-bit `rand_a` field may hold a finer fraction (RFC 9562 §6.2, method 3),
and here holds the microseconds within the millisecond (0–999). The id then names `created_at`
to the microsecond: one GetItem finds the message. 62 random bits still make ids unguessable
within a conversation, which membership guards anyway.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from cruddur.domain.clock import format_timestamp

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VERSION = 7
_SUB_MS = 1000  # values of rand_a that mean "microseconds within the millisecond"


def message_uuid_at(moment: datetime) -> str:
    """A new UUIDv7 naming `moment` to the microsecond."""
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    millis, sub = divmod(micros, 1000)
    value = (millis & (2**48 - 1)) << 80
    value |= _VERSION << 76
    value |= sub << 64
    value |= 0b10 << 62  # the RFC 4122/9562 variant
    value |= secrets.randbits(62)
    return str(uuid.UUID(int=value))


def created_at_of(message_uuid: str) -> str | None:
    """The `created_at` a message id names, or None if it is not one of ours."""
    try:
        value = uuid.UUID(message_uuid)
    except (ValueError, AttributeError, TypeError):
        return None
    if value.version != _VERSION:
        return None
    sub = (value.int >> 64) & 0xFFF
    if sub >= _SUB_MS:
        return None
    millis = value.int >> 80
    moment = _EPOCH + timedelta(milliseconds=millis, microseconds=sub)
    return format_timestamp(moment)
