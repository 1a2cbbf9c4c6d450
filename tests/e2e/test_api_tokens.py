"""The JWT suite, in both sign-in modes: every bad token is a 401, a valid one a 200.

Cognito mode uses keys generated here and a JWKS served on 127.0.0.1 under a Cognito-shaped
issuer, so the verifier runs as in production but for the address it fetches the keys from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from cruddur.adapters.auth import signing_key
from cruddur.adapters.auth.remote_jwks import RemoteKeys
from cruddur.adapters.auth.signing_key import SigningKey
from cruddur.adapters.auth.tokens import TokenIssuer, TokenVerifier
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.conftest import fresh_settings, fresh_store
from tests.e2e.conftest import Api, serve
from tests.e2e.jwks_server import JwksServer

POOL = "us-east-1_Cruddur1"
REFETCH_SECONDS = 1.0  # the API under test refetches an unknown kid's JWKS at most this often
CLIENT = "cruddur-test-client"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Target:
    mode: str
    api: Api
    key: SigningKey
    issuer: str
    client_id: str
    sub: str
    jwks: JwksServer | None = None

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "sub": self.sub,
            "iss": self.issuer,
            "client_id": self.client_id,
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "username": "holder",
            "iat": now,
            "auth_time": now,
            "exp": now + 600,
            "jti": str(uuid.uuid4()),
        }
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def token(
        self, claims: dict[str, Any] | None = None, key: SigningKey | None = None, **header: Any
    ) -> str:
        key = key or self.key
        return jwt.encode(
            claims or self.claims(),
            key.private_key,
            algorithm=header.pop("alg", "RS256"),
            headers={"kid": key.kid, **header},
        )

    def me(self, token: str) -> Any:
        return self.api.http.get("/api/me", headers={"Authorization": f"Bearer {token}"})


def _local(settings: Settings, store: ConversationTable) -> Iterator[Target]:
    for api in serve(settings, store):
        member = api.signup("holder")
        sub = api.runtime.users.by_handle(member.handle).cognito_user_id
        issuer = api.runtime.accounts.issuer
        assert isinstance(issuer, TokenIssuer)
        assert sub is not None
        key = issuer.key
        yield Target("local", api, key, settings.local_issuer, settings.local_client_id, sub)


def _cognito(settings: Settings, store: ConversationTable) -> Iterator[Target]:
    key = signing_key.from_private_key(signing_key.generate())
    with JwksServer(key.jwks()) as keys:
        cognito = settings.model_copy(
            update={
                "auth_mode": "cognito",
                "cognito_user_pool_id": POOL,
                "cognito_client_id": CLIENT,
                "cognito_jwks_url": keys.url,
                "jwks_min_refetch_seconds": REFETCH_SECONDS,
            }
        )
        for api in serve(cognito, store):
            sub = str(uuid.uuid4())
            api.runtime.users.create("holder", "Holder", "holder@example.org", cognito_user_id=sub)
            issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
            yield Target("cognito", api, key, issuer, CLIENT, sub, keys)


@pytest.fixture(scope="module", params=["local", "cognito"])
def target(request, dynamodb_local, tmp_path_factory) -> Iterator[Target]:
    """One server of each kind for the tests that only read: one per test cost a second each."""
    settings = fresh_settings(dynamodb_local, tmp_path_factory.mktemp(request.param))
    with fresh_store(settings) as store:
        yield from (_local if request.param == "local" else _cognito)(settings, store)


@pytest.fixture
def cognito(settings: Settings, store: ConversationTable) -> Iterator[Target]:
    yield from _cognito(settings, store)


@pytest.fixture
def local(settings: Settings, store: ConversationTable) -> Iterator[Target]:
    yield from _local(settings, store)


def _alg_none(t: Target) -> str:
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": t.key.kid}).encode())
    return f"{header}.{b64(json.dumps(t.claims()).encode())}."


def _hs256_with_public_key(t: Target) -> str:
    # The classic confusion attack: HMAC keyed with the (public) RSA key's PEM.
    public_pem = t.key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": t.key.kid}).encode())
    payload = b64(json.dumps(t.claims()).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def _stranger_key() -> SigningKey:
    return signing_key.from_private_key(signing_key.generate())


def _tampered(t: Target) -> str:
    header, payload, signature = t.token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["username"] = "someone-else"
    return f"{header}.{b64(json.dumps(claims).encode())}.{signature}"


def _signed_by_stranger_under_our_kid(t: Target) -> str:
    stranger = _stranger_key()
    return jwt.encode(t.claims(), stranger.private_key, "RS256", headers={"kid": t.key.kid})


BAD_TOKENS: dict[str, Callable[[Target], str]] = {
    "alg none": _alg_none,
    "HS256 signed with the public key": _hs256_with_public_key,
    "RS512 (not the pinned algorithm)": lambda t: t.token(alg="RS512"),
    "unknown kid": lambda t: t.token(key=_stranger_key()),
    "no kid": lambda t: jwt.encode(t.claims(), t.key.private_key, "RS256"),
    "our kid, another key": _signed_by_stranger_under_our_kid,
    "expired": lambda t: t.token(t.claims(exp=int(time.time()) - 120)),
    "nbf in the future": lambda t: t.token(t.claims(nbf=int(time.time()) + 300)),
    "wrong iss": lambda t: t.token(t.claims(iss="https://issuer.example.org/other")),
    "ID token": lambda t: t.token(t.claims(token_use="id", aud=t.client_id, client_id=None)),
    "ID token carrying client_id": lambda t: t.token(t.claims(token_use="id", aud=t.client_id)),
    "wrong client_id": lambda t: t.token(t.claims(client_id="another-client")),
    "missing exp": lambda t: t.token(t.claims(exp=None)),
    "missing token_use": lambda t: t.token(t.claims(token_use=None)),
    "tampered payload": _tampered,
    "not a JWT": lambda t: "definitely.not.ajwt",
}


def test_bad_tokens_are_401(target: Target):
    # Every case on one server of each kind (a server per case cost a second each).
    for case, make in BAD_TOKENS.items():
        response = target.me(make(target))
        assert response.status_code == 401, (case, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer", case
        assert response.json()["errors"][0]["code"] == "unauthorized", case


def test_a_valid_token_is_200(target: Target):
    response = target.me(target.token())
    assert response.status_code == 200
    assert response.json()["handle"] == "holder"


def test_no_or_non_bearer_credentials_are_401(target: Target):
    assert target.api.http.get("/api/me").status_code == 401
    basic = target.api.http.get("/api/me", headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401


def test_a_valid_token_of_nobody_we_know_is_403(target: Target):
    response = target.me(target.token(target.claims(sub=str(uuid.uuid4()))))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "forbidden"


def test_cognito_mode_refuses_local_sign_up(cognito: Target):
    body = {"handle": "x_y_z", "display_name": "X", "email": "x@example.org", "password": "p" * 12}
    assert cognito.api.http.post("/api/auth/signup", json=body).status_code == 403
    assert cognito.api.http.get("/.well-known/jwks.json").status_code == 404


def _frozen_keys_clock(target: Target) -> list[float]:
    """The API's JWKS clock, held still: the test moves it (`now[0] += s`) instead of sleeping."""
    verifier = target.api.runtime.accounts.verifier
    assert isinstance(verifier, TokenVerifier)
    keys = verifier.keys
    assert isinstance(keys, RemoteKeys)
    now = [keys.clock()]
    keys.clock = lambda: now[0]
    return now


def test_unknown_kids_refetch_the_jwks_at_most_once_per_interval(cognito: Target):
    assert cognito.jwks is not None
    assert cognito.me(cognito.token()).status_code == 200
    now = _frozen_keys_clock(cognito)
    strangers = [_stranger_key() for _ in range(20)]
    fetched = cognito.jwks.hits
    for stranger in strangers:
        assert cognito.me(cognito.token(key=stranger)).status_code == 401
    assert cognito.jwks.hits - fetched <= 1  # not one per token
    now[0] += REFETCH_SECONDS
    assert cognito.me(cognito.token(key=strangers[0])).status_code == 401
    assert cognito.jwks.hits - fetched <= 2  # the interval passed: one more fetch is allowed


def test_a_rotated_key_is_picked_up_by_refetching(cognito: Target):
    assert cognito.jwks is not None
    assert cognito.me(cognito.token()).status_code == 200
    now = _frozen_keys_clock(cognito)
    rotated = _stranger_key()
    cognito.jwks.document = {"keys": [cognito.key.public_jwk(), rotated.public_jwk()]}
    now[0] += REFETCH_SECONDS  # however recent the last fetch was, a refetch is allowed now
    assert cognito.me(cognito.token(key=rotated)).status_code == 200
    newer = _stranger_key()
    cognito.jwks.document = {"keys": [cognito.key.public_jwk(), newer.public_jwk()]}
    assert cognito.me(cognito.token(key=newer)).status_code == 401  # within the interval
    now[0] += REFETCH_SECONDS
    assert cognito.me(cognito.token(key=newer)).status_code == 200  # past it


def test_the_local_jwks_verifies_local_tokens(local: Target):
    target = local
    document = target.api.http.get("/.well-known/jwks.json").json()
    (published,) = document["keys"]
    assert published["kid"] == target.key.kid
    assert "d" not in published  # the public half only
    token = target.token()
    key = jwt.PyJWK(published).key
    assert jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})
