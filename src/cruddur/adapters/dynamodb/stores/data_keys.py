"""Data keys: the secrets message text is sealed under, one per generation, kept wrapped in the
table.

A generation's 32-byte key is made by the first API process that needs one (there is none yet,
or the newest is older than `max_age`), wrapped by the Envelope (AWS KMS, or the local key
file) and stored as item DATAKEY/{key_id}. Each conversation seals under its own key derived
from it (sealing.py). `rotate` starts a new generation at once; every process seals with the
newest within `refresh` seconds, and older generations stay to open what they sealed.

KMS is called once per generation per process (an unwrap on first use), never per message.

A wrapped key is bound to the *data set* it serves (`CRUDDUR_DATA_SET`), not to the table's
name: DynamoDB restores a backup only into a table of another name, and the restored copy must
open with the keys the deployment holds. A key wrapped for another data set still does not.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cruddur.adapters.crypto.envelope import Envelope
from cruddur.adapters.dynamodb import data_key_items, operations
from cruddur.adapters.dynamodb.attributes import CREATED_AT, WRAPPED_BY, WRAPPED_KEY, Item, binary
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.domain import keys
from cruddur.domain.clock import format_timestamp
from cruddur.errors import Unreadable

log = logging.getLogger(__name__)
KEY_ID_BYTES = 8  # 6 bytes of epoch milliseconds first, so the ids sort by age; 2 random
STAMP_BYTES = 6
MAX_AGE = 30 * 86_400.0
REFRESH = 60.0
DEFAULT_DATA_SET = "cruddur-messages"


@dataclass(frozen=True)
class Generation:
    key_id: str
    created_at: str
    wrapped_by: str


class DataKeys:
    def __init__(
        self,
        table: DynamoTable,
        envelope: Envelope,
        *,
        data_set: str = DEFAULT_DATA_SET,
        clock: Callable[[], float] = time.time,
        max_age: float = MAX_AGE,
        refresh: float = REFRESH,
    ) -> None:
        self.table = table
        self.envelope = envelope
        self.data_set = data_set
        self.clock = clock
        self.max_age = max_age
        self.refresh = refresh
        self._keys: dict[bytes, bytes] = {}
        self._current: tuple[bytes, float] | None = None  # (key id, when it was looked up)
        self._lock = threading.Lock()

    def current(self) -> tuple[bytes, bytes]:
        """(key id, key) of the generation new text is sealed under."""
        with self._lock:
            now = self.clock()
            if self._current is None or now - self._current[1] >= self.refresh:
                self._current = (self._newest(now) or self._create(now), now)
            key_id = self._current[0]
        return key_id, self.get(key_id)

    def current_is_fresh(self) -> bool:
        """Whether `current()` would answer from memory, without a read (or a KMS call)."""
        with self._lock:
            held = self._current
            return (
                held is not None and self.clock() - held[1] < self.refresh and held[0] in self._keys
            )

    def rotate(self) -> str:
        """A new generation, sealing from now on (here at once, elsewhere within `refresh`)."""
        with self._lock:
            now = self.clock()
            key_id = self._create(now)
            self._current = (key_id, now)
        return key_id.hex()

    def known(self, key_id: bytes) -> bool:
        return key_id in self._keys

    def get(self, key_id: bytes) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            key = self._keys[key_id] = self._unwrap(key_id)
        return key

    def generations(self) -> list[Generation]:
        """Every generation, oldest first (a handful a year: one page)."""
        return [
            Generation(
                item[keys.SK]["S"],
                item[CREATED_AT]["S"],
                item[WRAPPED_BY]["S"],
            )
            for item in self._query(newest_first=False)
        ]

    def _query(self, *, newest_first: bool, limit: int | None = None) -> list[Item]:
        args = operations.query(
            self.table.name,
            keys.DATA_KEY_PK,
            projection=f"{keys.SK}, {CREATED_AT}, {WRAPPED_BY}",
            newest_first=newest_first,
            limit=limit,
        )
        return list(self.table.call("Query", args).get("Items", []))

    def _newest(self, now: float) -> bytes | None:
        found = self._query(newest_first=True, limit=1)
        if not found:
            return None
        key_id = bytes.fromhex(found[0][keys.SK]["S"])
        if now - _stamp(key_id) / 1000 >= self.max_age:
            return None  # its period is over: the caller starts the next generation
        return key_id

    def _create(self, now: float) -> bytes:
        # Later than every generation there is, even one made this millisecond (a rotation
        # right after the first send): the newest id is the one to seal with.
        newest = self._query(newest_first=True, limit=1)
        stamp = int(now * 1000)
        if newest:
            stamp = max(stamp, _stamp(bytes.fromhex(newest[0][keys.SK]["S"])) + 1)
        key_id = stamp.to_bytes(STAMP_BYTES, "big") + secrets.token_bytes(
            KEY_ID_BYTES - STAMP_BYTES
        )
        key = secrets.token_bytes(32)
        wrapped = self.envelope.wrap(key, self._context(key_id))
        item = data_key_items.data_key_item(
            keys.data_key_key(key_id.hex()),
            wrapped,
            self.envelope.wrapping.describe(),
            format_timestamp(datetime.fromtimestamp(now, UTC)),
        )
        self.table.put_new(item)
        self._keys[key_id] = key
        # Two processes may start generations together: both are valid, each opens its own.
        log.info("data key generation %s started", key_id.hex())
        return key_id

    def _unwrap(self, key_id: bytes) -> bytes:
        item = self.table.get(keys.data_key_key(key_id.hex()))
        if item is None:
            raise Unreadable(f"data key {key_id.hex()} is not in the table")
        key, found = self.envelope.unwrap(binary(item[WRAPPED_KEY]["B"]))
        if not _binds(found, self._context(key_id)):
            raise Unreadable("a wrapped data key belongs to another data set or key id")
        return key

    def _context(self, key_id: bytes) -> dict[str, str]:
        # Bound into the wrapped key: it unwraps only as this data set's key of this id.
        return {**message_key_context(self.data_set), "key_id": key_id.hex()}


def _stamp(key_id: bytes) -> int:
    return int.from_bytes(key_id[:STAMP_BYTES], "big")


def message_key_context(data_set: str) -> dict[str, str]:
    """The encryption context every wrapped data key carries (besides its id): the stack's
    grant on the KMS key requires it, so the key serves nothing else."""
    return {"purpose": "cruddur-messages data key", "data_set": data_set}


def _binds(found: Mapping[str, str], expected: Mapping[str, str]) -> bool:
    """Whether a wrapped key's context (authenticated by the SDK) is the one expected. Keys
    wrapped before data sets had a name carry the table's instead, which was the data set's
    name when they were made (the default table's is the default data set's)."""
    if "data_set" not in found and "table" in found:
        found = {**found, "data_set": found["table"]}
    return all(found.get(name) == value for name, value in expected.items())
