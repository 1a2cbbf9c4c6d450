"""Local accounts' signing key: shared through CRUDDUR_SIGNING_KEY by every API process of a
deployment (a token one task issues verifies on another), refused clearly when it is not one."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from cruddur import bootstrap, storage
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.users.migrations import upgrade
from cruddur.config import Settings
from cruddur.errors import Invalid, Unauthorized
from cruddur.services.accounts import Accounts


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _task(base: Settings, folder: Path, database: Path, pem: str | None) -> Accounts:
    """One API task of a deployment: its own data dir; the users database and the table (where
    signed-out sessions are kept) shared."""
    settings = base.model_copy(
        update={
            "data_dir": folder,
            "database_url": f"sqlite:///{database}",
            "signing_key": SecretStr(pem) if pem else None,
        }
    )
    return bootstrap.build_accounts(settings, storage.build_users(settings))


def test_tasks_given_one_key_accept_each_others_tokens_and_tasks_without_do_not(
    tmp_path: Path, settings: Settings, store: ConversationTable
):
    database = tmp_path / "users.sqlite3"
    upgrade(f"sqlite:///{database}")
    pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    one, two = (_task(settings, tmp_path / name, database, pem) for name in ("one", "two"))
    session = one.sign_up("ada", "Ada", "ada@example.org", "correct horse battery")
    assert two.authenticate(session.access_token).handle == "ada"
    assert not (tmp_path / "one" / "signing-key.pem").exists()  # nothing written to disk
    alone = _task(
        settings, tmp_path / "three", database, None
    )  # its own key, generated in data_dir
    with pytest.raises(Unauthorized):
        alone.authenticate(session.access_token)


@pytest.mark.parametrize(
    ("pem", "says"),
    [
        ("not a key", "not an unencrypted PEM private key"),
        (_pem(ec.generate_private_key(ec.SECP256R1())), "must be an RSA key of 2048 bits"),
        (_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)), "2048 bits"),
    ],
)
def test_a_signing_key_that_is_not_one_is_refused_by_name(tmp_path: Path, pem: str, says: str):
    with pytest.raises(Invalid, match=says) as raised:
        _task(Settings(), tmp_path, tmp_path / "users.sqlite3", pem)
    assert "CRUDDUR_SIGNING_KEY" in raised.value.message
