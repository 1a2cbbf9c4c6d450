"""Where a paged read goes on, as the stores hand it out: an opaque position.

A position is the key DynamoDB's `ExclusiveStartKey` takes, written as compact JSON. Only the
stores make and read one; the services carry it, and the API hands it out signed inside a cursor
(`domain/cursors.py`), so a position never reaches a store unless this server made it for that
very reader and list. Reading one still checks its shape and its partition: a signed position
must never lead a query into another partition.
"""

from __future__ import annotations

import json

from cruddur.domain import keys
from cruddur.domain.model import Position
from cruddur.errors import InvalidCursor


def position_of(key: keys.Key) -> Position:
    return Position(json.dumps(key, separators=(",", ":"), sort_keys=True))


def key_of(position: Position, fields: frozenset[str], partition: str) -> keys.Key:
    """The key in a position: exactly `fields`, every value a non-empty string, in
    `partition`; InvalidCursor otherwise."""
    try:
        key = json.loads(position)
    except ValueError as exc:
        raise InvalidCursor() from exc
    valid = (
        isinstance(key, dict)
        and set(key) == fields
        and all(isinstance(v, str) and v for v in key.values())
        and key.get(keys.PK) == partition
    )
    if not valid:
        raise InvalidCursor()
    return {str(k): str(v) for k, v in key.items()}
