"""Where token verification keys come from: a JWKS, local (here) or fetched (Cognito's, in
remote_jwks.py: only Cognito sign-in imports its HTTP client)."""

from __future__ import annotations

from typing import Any, Protocol

from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError


class KeySource(Protocol):
    def key_for(self, kid: str) -> PyJWK | None: ...


def parse_jwks(document: dict[str, Any]) -> dict[str, PyJWK]:
    try:
        key_set = PyJWKSet.from_dict(document)
    except PyJWKSetError:
        return {}
    return {key.key_id: key for key in key_set.keys if key.key_id}


class StaticKeys:
    def __init__(self, document: dict[str, Any]) -> None:
        self._keys = parse_jwks(document)

    def key_for(self, kid: str) -> PyJWK | None:
        return self._keys.get(kid)
