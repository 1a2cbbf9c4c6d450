"""Each person's key: what they write is sealed under it, and erasing them destroys it.

A user key is 32 random bytes, kept in the *keys table* — a table of its own, never the messages
table: the messages table has point-in-time recovery and backups, and a key kept there would come
back with a restore and open everything again. The keys table has neither (infra/: no PITR, no
backup plan, deletion protection), so deleting a user's item destroys the last copy of their key,
and with it their text in the live table, in every backup and in every export of the stream —
without rewriting a single message (crypto-shredding; docs/security.md has the argument).

The key is stored wrapped: AES-GCM under a key derived from the data set's current data key
generation (data_keys.py, itself wrapped by KMS), bound to the user's uuid. A reader of the keys
table learns nothing without KMS; a reader of a backup of the messages table has no user keys.

Unwrapped keys are cached for CACHE_SECONDS: another API process stops opening an erased user's
text within that time (the erasing process at once).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cruddur.adapters.dynamodb import operations
from cruddur.adapters.dynamodb.attributes import binary, to_attrs
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.stores.data_keys import KEY_ID_BYTES, DataKeys
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.errors import Unreadable

log = logging.getLogger(__name__)
CACHE_SECONDS = 60.0
WRAPPED = "wrapped"
NONCE = 12


def keys_table_definition(name: str) -> dict[str, Any]:
    """CreateTable arguments of the keys table: one item per user, no stream, no index."""
    return {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": keys.PK, "AttributeType": "S"},
            {"AttributeName": keys.SK, "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": keys.PK, "KeyType": "HASH"},
            {"AttributeName": keys.SK, "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


class UserKeys:
    def __init__(
        self,
        table: DynamoTable,
        data_keys: DataKeys,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self.data_keys = data_keys
        self.clock = clock
        self._keys: dict[str, tuple[bytes | None, float]] = {}  # uuid → (key or erased, when)
        self._lock = threading.Lock()

    def cached(self, user_uuid: str) -> bool:
        with self._lock:
            held = self._keys.get(user_uuid)
        return held is not None and self.clock() - held[1] < CACHE_SECONDS

    def key_if_cached(self, user_uuid: str) -> bytes | None:
        """The key from memory only (None: not held, or erased)."""
        with self._lock:
            held = self._keys.get(user_uuid)
        if held is None or self.clock() - held[1] >= CACHE_SECONDS:
            return None
        return held[0]

    def key(self, user_uuid: str, *, create: bool = False) -> bytes | None:
        """The user's key; None once they were erased (or, without `create`, never had one)."""
        with self._lock:
            held = self._keys.get(user_uuid)
        fresh = held is not None and self.clock() - held[1] < CACHE_SECONDS
        if held is not None and fresh and (held[0] is not None or not create):
            return held[0]
        self.load([user_uuid])
        with self._lock:
            found = self._keys[user_uuid][0]
        if found is None and create:
            found = self._create(user_uuid)
        return found

    def load(self, user_uuids: Iterable[str]) -> None:
        """Read these users' keys at once (one BatchGetItem a hundred) into the cache."""
        wanted = sorted(set(user_uuids))
        found: dict[str, bytes] = {}
        for item in self.table.batch_get([keys.user_key_key(user) for user in wanted]):
            user = keys.user_of_key(item[keys.PK]["S"])
            found[user] = self._unwrap(user, binary(item[WRAPPED]["B"]))
        now = self.clock()
        with self._lock:
            for user in wanted:
                self._keys[user] = (found.get(user), now)

    def erase(self, user_uuid: str) -> None:
        """Destroy the user's key: nothing they wrote opens again, anywhere."""
        self.table.call(
            "DeleteItem", operations.delete(self.table.name, keys.user_key_key(user_uuid))
        )
        with self._lock:
            self._keys[user_uuid] = (None, self.clock())
        log.info("user key destroyed")

    def _create(self, user_uuid: str) -> bytes:
        key = secrets.token_bytes(32)
        item = {
            **to_attrs(keys.user_key_key(user_uuid)),
            WRAPPED: {"B": self._wrap(user_uuid, key)},
        }
        try:
            self.table.put_new(item, passthrough=(CONDITION_FAILED,))
        except DynamoError:
            # Another process made it first: theirs is the key.
            self.load([user_uuid])
            with self._lock:
                theirs = self._keys[user_uuid][0]
            if theirs is None:
                raise Unreadable("a user key vanished while it was made") from None
            return theirs
        with self._lock:
            self._keys[user_uuid] = (key, self.clock())
        return key

    def _wrap(self, user_uuid: str, key: bytes) -> bytes:
        key_id, data_key = self.data_keys.current()
        nonce = os.urandom(NONCE)
        return key_id + nonce + _wrapping(data_key).encrypt(nonce, key, _aad(key_id, user_uuid))

    def _unwrap(self, user_uuid: str, wrapped: bytes) -> bytes:
        key_id, nonce = wrapped[:KEY_ID_BYTES], wrapped[KEY_ID_BYTES : KEY_ID_BYTES + NONCE]
        aead = _wrapping(self.data_keys.get(key_id))
        try:
            return aead.decrypt(nonce, wrapped[KEY_ID_BYTES + NONCE :], _aad(key_id, user_uuid))
        except InvalidTag:
            raise Unreadable("a user key did not unwrap: tampered, or another's") from None


def _wrapping(data_key: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"cruddur-messages user keys v1"
    ).derive(data_key)
    return AESGCM(derived)


def _aad(key_id: bytes, user_uuid: str) -> bytes:
    return b"\x00".join((b"user key", key_id, user_uuid.encode()))
