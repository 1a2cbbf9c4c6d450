"""Message text sealed with AES-256-GCM before it reaches DynamoDB, under a key per conversation.

A sealed value is `version (1) | data key id (8) | nonce (12) | ciphertext | tag (16)`: 37 bytes
over the text, so an inbox row with its preview stays within one write unit. The conversation's
key is derived (HKDF-SHA256) from the data key generation (data_keys.py) and the group's uuid;
derived keys are cached, so a send or a page costs microseconds of AES, no KMS call and no
extra read. The associated data binds a value to its header, its conversation and its message
(sort key): a value copied into another message or conversation does not open.

The stream processor never opens anything: the API writes the preview sealed with the message,
and the processor copies those bytes into both inbox rows (same conversation, same sort key).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cruddur.adapters.dynamodb.stores.data_keys import KEY_ID_BYTES, DataKeys
from cruddur.errors import Unreadable

VERSION = b"\x01"
HEADER = len(VERSION) + KEY_ID_BYTES
NONCE = 12
TAG = 16
OVERHEAD = HEADER + NONCE + TAG


class Sealer:
    def __init__(self, data_keys: DataKeys) -> None:
        self.data_keys = data_keys

    def seal(self, text: str, group_uuid: str, sort_key: str) -> bytes:
        key_id, key = self.data_keys.current()
        header = VERSION + key_id
        nonce = os.urandom(NONCE)
        aead = _conversation_aead(key, group_uuid)
        return (
            header + nonce + aead.encrypt(nonce, text.encode(), _aad(header, group_uuid, sort_key))
        )

    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str:
        sealed = bytes(sealed)
        if len(sealed) < OVERHEAD or sealed[:1] != VERSION:
            raise Unreadable("a stored message is not in a format this version reads")
        header, nonce = sealed[:HEADER], sealed[HEADER : HEADER + NONCE]
        aead = _conversation_aead(self.data_keys.get(header[1:]), group_uuid)
        try:
            text = aead.decrypt(nonce, sealed[HEADER + NONCE :], _aad(header, group_uuid, sort_key))
        except InvalidTag:
            raise Unreadable("a stored message did not decrypt: tampered, or moved") from None
        return text.decode()

    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]:
        """Data key ids among these values that this process has not unwrapped yet."""
        ids = {bytes(value[1:HEADER]) for value in sealed if len(value) >= HEADER}
        return {key_id for key_id in ids if not self.data_keys.known(key_id)}

    def load_keys(self, key_ids: Iterable[bytes]) -> None:
        for key_id in key_ids:
            self.data_keys.get(key_id)

    def sealing_ready(self) -> bool:
        return self.data_keys.current_is_fresh()

    def prepare_sealing(self) -> None:
        self.data_keys.current()


@lru_cache(maxsize=8192)
def _conversation_aead(key: bytes, group_uuid: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"cruddur-messages conversation key v1\x00" + group_uuid.encode(),
    ).derive(key)
    return AESGCM(derived)


def _aad(header: bytes, group_uuid: str, sort_key: str) -> bytes:
    return b"\x00".join((header, group_uuid.encode(), sort_key.encode()))


class ShownSealed:
    """Opens nothing: a sealed value reads as its ciphertext (base64). What the operator's CLI
    shows unless asked to `--decrypt` with access to the key."""

    def seal(self, text: str, group_uuid: str, sort_key: str) -> bytes:
        raise Unreadable("this view only shows sealed values; it cannot seal")

    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str:
        return "sealed:" + base64.b64encode(bytes(sealed)).decode()

    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]:
        return set()

    def load_keys(self, key_ids: Iterable[bytes]) -> None:
        return None

    def sealing_ready(self) -> bool:
        return True  # it never seals: nothing to prepare

    def prepare_sealing(self) -> None:
        return None
