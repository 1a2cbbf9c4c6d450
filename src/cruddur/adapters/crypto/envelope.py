"""Envelope encryption of data keys with the AWS Encryption SDK: AWS KMS in production, a local
key file by default.

Only data keys go through here (a 32-byte key per generation, see data_keys.py), never message
text: the SDK's message format carries a header of a few hundred bytes and a CPU cost per call
that, per message, would double a send's CPU and push inbox rows past one write unit.
The suite is AES-256-GCM with HKDF-SHA512 and key commitment, without a signature (the readers
are the writers: one service, one trust domain), and decryption requires commitment.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import aws_encryption_sdk
from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError, InvalidKeyIdError
from aws_encryption_sdk.identifiers import (
    Algorithm,
    CommitmentPolicy,
    EncryptionKeyType,
    WrappingAlgorithm,
)
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.base import MasterKeyProvider, MasterKeyProviderConfig
from aws_encryption_sdk.key_providers.kms import KMSMasterKey, KMSMasterKeyConfig
from aws_encryption_sdk.key_providers.raw import RawMasterKeyProvider
from botocore.exceptions import BotoCoreError, ClientError

from cruddur.errors import Invalid, Unavailable, Unreadable

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

SUITE = Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY
# On a failed decrypt the SDK also logs a traceback while closing its stream; the typed error
# raised here says it once.
logging.getLogger("aws_encryption_sdk.streaming_client").setLevel(logging.CRITICAL)
LOCAL_PROVIDER = "cruddur-local"
KEY_FILE = "wrapping-keys.json"


class Wrapping(Protocol):
    """Where data keys are wrapped: the provider that encrypts, the one that decrypts."""

    def describe(self) -> str: ...
    def for_encrypt(self) -> MasterKeyProvider: ...
    def for_decrypt(self) -> MasterKeyProvider: ...


class Envelope:
    def __init__(self, wrapping: Wrapping) -> None:
        self.wrapping = wrapping
        # One wrapped key per envelope: an attacker-supplied item cannot make us try many.
        self._sdk = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
            max_encrypted_data_keys=1,
        )

    def wrap(self, key: bytes, context: Mapping[str, str]) -> bytes:
        with _failures("wrap a data key"):
            blob, _ = self._sdk.encrypt(
                source=key,
                key_provider=self.wrapping.for_encrypt(),
                encryption_context=dict(context),
                algorithm=SUITE,
            )
        return bytes(blob)

    def unwrap(self, blob: bytes) -> tuple[bytes, dict[str, str]]:
        """The key and the encryption context it was wrapped with. The SDK authenticates the
        context it finds; that it is the one expected is the caller's to say."""
        with _failures("unwrap a data key"):
            key, header = self._sdk.decrypt(source=blob, key_provider=self.wrapping.for_decrypt())
        return bytes(key), dict(header.encryption_context)


@contextmanager
def _failures(doing: str) -> Iterator[None]:
    """The SDK's and KMS's failures as our typed errors (a key we may not use, KMS away)."""
    try:
        yield
    except AWSEncryptionSDKClientError as exc:  # no listed key opens it, or it was altered
        raise Unreadable(f"could not {doing}: {type(exc).__name__}") from exc
    except ClientError as exc:  # KMS refused: access denied, key disabled or pending deletion
        code = exc.response.get("Error", {}).get("Code", "")
        raise Unavailable(f"could not {doing}: KMS said {code}") from exc
    except BotoCoreError as exc:
        raise Unavailable(f"could not {doing}: KMS did not answer") from exc


# -- AWS KMS -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KmsWrapping:
    """The first key wraps new data keys; every listed key unwraps (keys replaced by a rotation
    stay listed until no data key they wrapped is in use)."""

    client: KMSClient
    key_ids: Sequence[str]

    def describe(self) -> str:
        return f"kms:{self.key_ids[0]}"

    def for_encrypt(self) -> MasterKeyProvider:
        return self._key(self.key_ids[0])

    def for_decrypt(self) -> MasterKeyProvider:
        listed = _ListedKeys()
        for key_id in self.key_ids:
            listed.add_master_key_provider(self._key(key_id))
        return listed

    def _key(self, key_id: str) -> KMSMasterKey:
        return KMSMasterKey(config=KMSMasterKeyConfig(key_id=key_id, client=self.client))


class _ListedKeys(MasterKeyProvider):  # type: ignore[misc]
    """Exactly the listed KMS keys, each with our client: a wrapped key names the one that
    opens it; no other key is ever asked (no discovery)."""

    provider_id = "cruddur-listed-kms-keys"
    vend_masterkey_on_decrypt = False
    _config_class = MasterKeyProviderConfig

    def _new_master_key(self, key_id: bytes) -> KMSMasterKey:
        raise InvalidKeyIdError("only the keys of CRUDDUR_KMS_KEY_IDS are used")


# -- the local key file --------------------------------------------------------------------------


class LocalWrapping:
    """AES-256 wrapping keys in a 0600 file under the data dir, made on first use, never
    committed. The newest wraps; all unwrap. `add_key` is the rotation. The file is read on
    each use (once per data key generation): a key another process added counts at once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return f"{LOCAL_PROVIDER}:{list(self._load())[-1]}"

    def for_encrypt(self) -> MasterKeyProvider:
        keys = self._load()
        provider = _LocalProvider.of(keys)
        provider.add_master_key(list(keys)[-1].encode())
        return provider

    def for_decrypt(self) -> MasterKeyProvider:
        keys = self._load()
        provider = _LocalProvider.of(keys)
        # A raw key opens a wrapped key only as a member: the provider matches them by id.
        provider.add_master_keys_from_list([key_id.encode() for key_id in keys])
        return provider

    def create(self) -> bool:
        """The file with one key, made now unless it exists (then left as it is): for an
        operator to make once and hand to every process, before any of them seals."""
        if self.path.exists():
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return _write_private(self.path, [_new_entry()], exclusive=True)

    def add_key(self) -> str:
        """A new wrapping key, newest from now on; the file is replaced atomically."""
        entries = [*self._load_entries(), _new_entry()]
        staged = self.path.with_suffix(".tmp")
        _write_private(staged, entries, exclusive=False)
        staged.replace(self.path)
        return entries[-1]["id"]

    def _load(self) -> dict[str, bytes]:
        keys = {e["id"]: base64.b64decode(e["key"]) for e in self._load_entries()}
        if not keys:
            raise Invalid(f"{self.path} holds no wrapping key")
        return keys

    def _load_entries(self) -> list[dict[str, str]]:
        # Two processes starting together: the first file made is the one both keep.
        self.create()
        try:
            entries: list[dict[str, str]] = json.loads(self.path.read_text())["keys"]
        except (ValueError, KeyError, TypeError) as exc:
            raise Invalid(f"{self.path} is not a wrapping key file") from exc
        return entries


def _new_entry() -> dict[str, str]:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return {
        "id": f"local-{stamp}-{secrets.token_hex(3)}",
        "key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def _write_private(path: Path, entries: list[dict[str, str]], *, exclusive: bool) -> bool:
    """Whether this call wrote the file (an exclusive write loses to a file already there)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps({"keys": entries}, indent=1) + "\n")
    return True


class _LocalProvider(RawMasterKeyProvider):  # type: ignore[misc]
    provider_id = LOCAL_PROVIDER

    _local_keys: dict[str, bytes]

    @classmethod
    def of(cls, keys: dict[str, bytes]) -> _LocalProvider:
        # The SDK builds providers from keyword configuration: the keys are set after.
        provider = cls()
        provider._local_keys = keys
        return provider

    def _get_raw_key(self, key_id: bytes) -> WrappingKey:
        name = key_id.decode() if isinstance(key_id, bytes) else str(key_id)
        if name not in self._local_keys:
            raise Unreadable(f"wrapping key {name} is not in the local key file")
        return WrappingKey(
            wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
            wrapping_key=self._local_keys[name],
            wrapping_key_type=EncryptionKeyType.SYMMETRIC,
        )
