"""The rules of signing in (`services/accounts.py`), one contract suite on two implementations
of its ports: the in-memory fakes of tests/fakes.py, and the real adapters — the users
directory on SQLite, argon2id passwords, RS256 tokens. A fake that answers other than what it
stands for fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruddur.adapters.auth import signing_key
from cruddur.adapters.auth.jwks import StaticKeys
from cruddur.adapters.auth.passwords import Passwords
from cruddur.adapters.auth.tokens import TokenIssuer, TokenVerifier
from cruddur.adapters.shared_state.local import LocalState
from cruddur.adapters.users.directory import UsersDirectory, make_engine
from cruddur.adapters.users.migrations import upgrade
from cruddur.cache import TtlCache
from cruddur.errors import Conflict, Forbidden, Invalid, Overloaded, Unauthorized
from cruddur.services.accounts import Accounts
from cruddur.services.revocations import Revocations
from tests.fakes import FakePasswords, FakeRevocationStore, FakeTokens, FakeUsers

PASSWORD = "correct horse battery"


def _accounts(kind: str, tmp_path: Path, *, local: bool = True) -> Accounts:
    revocations = Revocations(FakeRevocationStore(), LocalState(), "test")
    if kind == "fake":
        tokens = FakeTokens()
        return Accounts(
            users=FakeUsers(),
            verifier=tokens,
            issuer=tokens if local else None,
            passwords=FakePasswords(),
            by_sub=TtlCache(60.0),
            revocations=revocations,
        )
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    upgrade(url)
    key = signing_key.from_private_key(signing_key.generate())
    issuer = TokenIssuer(key, "https://issuer.test", "client", 600)
    return Accounts(
        users=UsersDirectory(make_engine(url)),
        verifier=TokenVerifier(StaticKeys(key.jwks()), "https://issuer.test", "client"),
        issuer=issuer if local else None,
        passwords=Passwords(slots=1),
        by_sub=TtlCache(60.0),
        revocations=revocations,
    )


@pytest.fixture(params=["fake", "real"])
def accounts(request: pytest.FixtureRequest, tmp_path: Path) -> Accounts:
    return _accounts(request.param, tmp_path)


def test_a_new_account_signs_in_and_its_token_names_it(accounts: Accounts):
    signed_up = accounts.sign_up("@Ada", "Ada", "ada@example.org", PASSWORD)
    assert signed_up.user.handle == "ada"
    logged_in = accounts.log_in("ADA@example.org", PASSWORD)
    assert logged_in.user.uuid == signed_up.user.uuid
    assert accounts.authenticate(logged_in.access_token).uuid == signed_up.user.uuid
    assert accounts.user_of(signed_up.access_token).uuid == signed_up.user.uuid


def test_a_wrong_password_and_an_unknown_login_answer_alike(accounts: Accounts):
    accounts.sign_up("ada", "Ada", "ada@example.org", PASSWORD)
    with pytest.raises(Unauthorized) as wrong:
        accounts.log_in("ada", "not the password")
    with pytest.raises(Unauthorized) as unknown:
        accounts.log_in("nobody", PASSWORD)
    assert wrong.value.message == unknown.value.message


def test_taken_names_and_bad_input_are_refused_naming_the_field(accounts: Accounts):
    accounts.sign_up("ada", "Ada", "ada@example.org", PASSWORD)
    with pytest.raises(Conflict) as handle:
        accounts.sign_up("ADA", "Another", "other@example.org", PASSWORD)
    with pytest.raises(Conflict) as email:
        accounts.sign_up("other", "Another", "ADA@example.org", PASSWORD)
    assert (handle.value.field, email.value.field) == ("handle", "email")
    for handle_, email_, password, field in [
        ("no", "x@example.org", PASSWORD, "handle"),
        ("okay_one", "not-an-email", PASSWORD, "email"),
        ("okay_two", "y@example.org", "short", "password"),
    ]:
        with pytest.raises(Invalid) as bad:
            accounts.sign_up(handle_, "Name", email_, password)
        assert bad.value.field == field


def test_a_signed_out_token_is_refused_and_others_are_not(accounts: Accounts):
    first = accounts.sign_up("ada", "Ada", "ada@example.org", PASSWORD)
    second = accounts.log_in("ada", PASSWORD)
    accounts.sign_out(first.access_token)
    with pytest.raises(Unauthorized):
        accounts.user_of(first.access_token)  # the fast path too: it was verified moments ago
    with pytest.raises(Unauthorized):
        accounts.authenticate(first.access_token)
    assert accounts.user_of(second.access_token).handle == "ada"


def test_a_valid_token_of_nobody_we_know_is_forbidden(accounts: Accounts):
    session = accounts.sign_up("ada", "Ada", "ada@example.org", PASSWORD)
    stranger = accounts._issuer().issue("a-sub-nobody-has", "ghost")
    with pytest.raises(Forbidden):
        accounts.authenticate(stranger)
    assert accounts.authenticate(session.access_token).handle == "ada"


@pytest.mark.parametrize("kind", ["fake", "real"])
def test_without_an_issuer_local_accounts_are_refused_before_anything_is_written(
    kind: str, tmp_path: Path
):
    accounts = _accounts(kind, tmp_path, local=False)
    with pytest.raises(Forbidden):
        accounts.sign_up("ada", "Ada", "ada@example.org", PASSWORD)
    with pytest.raises(Forbidden):
        accounts.log_in("ada", PASSWORD)
    assert accounts.users.by_login("ada") is None


class BusyRehashing(FakePasswords):
    """Every hash made with other parameters, and no slot free to make it again."""

    def needs_rehash(self, stored_hash: str) -> bool:
        return True

    def hash(self, password: str) -> str:
        if getattr(self, "signed_up", False):
            raise Overloaded("sign-in is busy; try again in a moment", retry_after=1)
        self.signed_up = True
        return super().hash(password)


def test_a_right_password_signs_in_when_no_slot_is_free_to_rehash_it(tmp_path: Path):
    accounts = _accounts("fake", tmp_path)
    accounts.passwords = BusyRehashing()
    accounts.sign_up("ada", "Ada", "ada@example.org", PASSWORD)
    assert accounts.log_in("ada", PASSWORD).user.handle == "ada"
