"""The server's VAPID key (RFC 8292): the P-256 key pair push services know this server by.

Browsers bind each subscription to the public key (`applicationServerKey`), so every API process
must hold the same pair, for good: a new key orphans every subscription. The pair is derived
from one secret string (HKDF), which is what the deployment keeps: locally a file in the data
dir made on first use, on AWS a Secrets Manager secret the stack generates (Secrets Manager makes
strings, not EC keys), given to the tasks as CRUDDUR_VAPID_SECRET. The private key is never
written anywhere, nor logged.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cruddur.domain.push import base64url

# The order of P-256's base point: a private key is a number in [1, N - 1].
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def signing_key(secret: bytes) -> ec.EllipticCurvePrivateKey:
    """The key pair of this secret: the same secret, the same pair, in every process."""
    if len(secret) < 16:
        raise ValueError("the VAPID secret is too short (at least 16 bytes)")
    # 48 bytes reduced mod N - 1: a bias of 2^-128, far below anything measurable.
    wide = HKDF(hashes.SHA256(), 48, salt=None, info=b"cruddur vapid p-256").derive(secret)
    return ec.derive_private_key(int.from_bytes(wide, "big") % (_N - 1) + 1, ec.SECP256R1())


def application_server_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as the Push API takes it: an uncompressed point, base64url."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64url(point)
