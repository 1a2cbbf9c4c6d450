"""Message text sealed with AES-256-GCM before it reaches DynamoDB, under a key per conversation
and, for what a person writes, per author.

What a person writes (text, previews, their name on a message, file names) is sealed under
their own key (user_keys.py), so that erasing them destroys it everywhere: version 2, `version
(1) | author uuid (16) | nonce (12) | ciphertext | tag (16)`, the key derived (HKDF-SHA256) from
the author's key and the group's uuid. Once the author's key is destroyed such a value raises
Erased, which readers show as "deleted account". Version 1 (below) seals under the data set's
key and remains readable for values sealed before authors had keys.

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
import uuid
from collections.abc import Iterable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cruddur.adapters.dynamodb.stores.data_keys import KEY_ID_BYTES, DataKeys
from cruddur.adapters.dynamodb.stores.user_keys import UserKeys
from cruddur.errors import Erased, Unreadable

VERSION = b"\x01"
HEADER = len(VERSION) + KEY_ID_BYTES
AUTHORED = b"\x02"
AUTHOR_HEADER = len(AUTHORED) + 16
NONCE = 12
TAG = 16
OVERHEAD = HEADER + NONCE + TAG
AUTHORED_OVERHEAD = AUTHOR_HEADER + NONCE + TAG


class Sealer:
    def __init__(self, data_keys: DataKeys, user_keys: UserKeys | None = None) -> None:
        self.data_keys = data_keys
        self.user_keys = user_keys

    def seal(self, text: str, group_uuid: str, sort_key: str, author: str | None = None) -> bytes:
        """Under `author`'s key (what a person writes), else the data set's."""
        nonce = os.urandom(NONCE)
        if author is not None and self.user_keys is not None:
            header = AUTHORED + uuid.UUID(author).bytes
            key = self.user_keys.key(author, create=True)
            assert key is not None
            aead = _author_aead(key, group_uuid)
        else:
            key_id, data_key = self.data_keys.current()
            header = VERSION + key_id
            aead = _conversation_aead(data_key, group_uuid)
        return (
            header + nonce + aead.encrypt(nonce, text.encode(), _aad(header, group_uuid, sort_key))
        )

    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str:
        """The text; Erased if its author was erased, Unreadable if it does not open."""
        sealed = bytes(sealed)
        kind = sealed[:1]
        if kind == AUTHORED and len(sealed) >= AUTHOR_HEADER + NONCE + TAG:
            header = sealed[:AUTHOR_HEADER]
            author = str(uuid.UUID(bytes=header[1:]))
            key = self.user_keys.key(author) if self.user_keys is not None else None
            if key is None:
                raise Erased("its author's account was deleted")
            aead = _author_aead(key, group_uuid)
        elif kind == VERSION and len(sealed) >= OVERHEAD:
            header = sealed[:HEADER]
            aead = _conversation_aead(self.data_keys.get(header[1:]), group_uuid)
        else:
            raise Unreadable("a stored message is not in a format this version reads")
        size = len(header)
        nonce = sealed[size : size + NONCE]
        try:
            text = aead.decrypt(nonce, sealed[size + NONCE :], _aad(header, group_uuid, sort_key))
        except InvalidTag:
            raise Unreadable("a stored message did not decrypt: tampered, or moved") from None
        return text.decode()

    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]:
        """Data key ids, and authors (as their headers), among these values that this process
        has not unwrapped yet."""
        unknown: set[bytes] = set()
        for value in sealed:
            if value[:1] == AUTHORED and len(value) >= AUTHOR_HEADER:
                author = bytes(value[:AUTHOR_HEADER])
                if self.user_keys is not None and not self.user_keys.cached(
                    str(uuid.UUID(bytes=author[1:]))
                ):
                    unknown.add(author)
            elif len(value) >= HEADER and not self.data_keys.known(bytes(value[1:HEADER])):
                unknown.add(bytes(value[1:HEADER]))
        return unknown

    def load_keys(self, key_ids: Iterable[bytes]) -> None:
        """A page's authors' keys at once (one read for both members), and any data keys."""
        authors = []
        for key_id in key_ids:
            if len(key_id) == AUTHOR_HEADER and key_id[:1] == AUTHORED:
                authors.append(str(uuid.UUID(bytes=key_id[1:])))
            else:
                self.data_keys.get(key_id)
        if authors and self.user_keys is not None:
            self.user_keys.load(authors)

    def sealing_ready(self, author: str | None = None) -> bool:
        user_keys = self.user_keys
        if author is not None and user_keys is not None and user_keys.key_if_cached(author) is None:
            return False
        return self.data_keys.current_is_fresh()

    def prepare_sealing(self, author: str | None = None) -> None:
        self.data_keys.current()
        if author is not None and self.user_keys is not None:
            self.user_keys.key(author, create=True)


def _conversation_aead(key: bytes, group_uuid: str) -> AESGCM:
    return _derived_aead(key, b"cruddur-messages conversation key v1", group_uuid)


def _author_aead(key: bytes, group_uuid: str) -> AESGCM:
    return _derived_aead(key, b"cruddur-messages author key v1", group_uuid)


@lru_cache(maxsize=8192)
def _derived_aead(key: bytes, purpose: bytes, group_uuid: str) -> AESGCM:
    """The conversation's key derived from a data key (v1) or an author's key (v2)."""
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=purpose + b"\x00" + group_uuid.encode(),
    ).derive(key)
    return AESGCM(derived)


def _aad(header: bytes, group_uuid: str, sort_key: str) -> bytes:
    return b"\x00".join((header, group_uuid.encode(), sort_key.encode()))


class ShownSealed:
    """Opens nothing: a sealed value reads as its ciphertext (base64). What the operator's CLI
    shows unless asked to `--decrypt` with access to the key."""

    def seal(self, text: str, group_uuid: str, sort_key: str, author: str | None = None) -> bytes:
        raise Unreadable("this view only shows sealed values; it cannot seal")

    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str:
        return "sealed:" + base64.b64encode(bytes(sealed)).decode()

    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]:
        return set()

    def load_keys(self, key_ids: Iterable[bytes]) -> None:
        return None

    def sealing_ready(self, author: str | None = None) -> bool:
        return True  # it never seals: nothing to prepare

    def prepare_sealing(self, author: str | None = None) -> None:
        return None
