"""The local accounts' token signing key: RSA, given as PEM (CRUDDUR_SIGNING_KEY, shared by
every process of a deployment) or generated once and kept (0600) in the data directory.

Its public half is published as a JWKS at /.well-known/jwks.json, the same shape Cognito serves,
so one verifier checks both kinds of token.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from cruddur.adapters.crypto import secret_files
from cruddur.errors import Invalid

KEY_FILE = "signing-key.pem"
MIN_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}


def generate() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def from_private_key(private_key: rsa.RSAPrivateKey) -> SigningKey:
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    return SigningKey(_thumbprint(jwk), private_key)


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: the kid changes exactly when the key does."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def from_pem(pem: bytes, source: str) -> SigningKey:
    """An unencrypted RSA private key in PEM; anything else is refused naming `source`."""
    try:
        loaded = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid(
            f"{source} is not an unencrypted PEM private key", field="signing_key"
        ) from exc
    if not isinstance(loaded, rsa.RSAPrivateKey) or loaded.key_size < MIN_BITS:
        raise Invalid(
            f"{source} must be an RSA key of {MIN_BITS} bits or more", field="signing_key"
        )
    return from_private_key(loaded)


def load_or_create(data_dir: Path) -> SigningKey:
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        _create(path)
    return from_pem(path.read_bytes(), str(path))


def _create(path: Path) -> None:
    pem = generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    secret_files.write_once(path, pem)
