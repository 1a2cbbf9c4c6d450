"""Issuing and verifying access tokens. One verifier serves both sign-in modes.

Local tokens have the shape of Cognito access tokens (`token_use`, `client_id`, `sub`,
`username`), so what is checked is the same whichever issued them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt

from cruddur.adapters.auth.jwks import KeySource
from cruddur.adapters.auth.signing_key import SigningKey
from cruddur.domain.model import AccessClaims
from cruddur.errors import Unauthorized

# Pinned: the algorithm is never taken from the token (no "none", no HS256 keyed with a public key).
ALGORITHMS = ["RS256"]
REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "token_use", "client_id"]
LEEWAY_SECONDS = 5


class TokenVerifier:
    def __init__(self, keys: KeySource, issuer: str, client_id: str) -> None:
        self.keys = keys
        self.issuer = issuer
        self.client_id = client_id

    def verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("the token is malformed") from exc
        kid = header.get("kid")
        if header.get("alg") not in ALGORITHMS or not isinstance(kid, str):
            raise Unauthorized("the token is not signed with an accepted key")
        key = self.keys.key_for(kid)
        if key is None:
            raise Unauthorized("the token is signed with an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                # Access tokens carry client_id, not aud (checked below).
                options={"require": REQUIRED_CLAIMS, "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("the token is not valid") from exc
        if claims["token_use"] != "access":  # noqa: S105 - a claim value, not a secret
            raise Unauthorized("an access token is required")
        if claims["client_id"] != self.client_id:
            raise Unauthorized("the token was issued to another client")
        username = claims.get("username")
        return AccessClaims(
            sub=str(claims["sub"]),
            username=username,
            expires_at=float(claims["exp"]),
            issued_at=float(claims["iat"]),
        )


class TokenIssuer:
    def __init__(
        self,
        key: SigningKey,
        issuer: str,
        client_id: str,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = key
        self.issuer = issuer
        self.client_id = client_id
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def issue(self, sub: str, username: str) -> str:
        now = int(self._clock())
        claims = {
            "sub": sub,
            "iss": self.issuer,
            "client_id": self.client_id,
            "token_use": "access",
            "scope": "cruddur/messages",
            "username": username,
            "auth_time": now,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(
            claims, self.key.private_key, algorithm=ALGORITHMS[0], headers={"kid": self.key.kid}
        )

    def jwks(self) -> dict[str, Any]:
        return self.key.jwks()
