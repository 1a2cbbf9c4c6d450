"""Password hashes for local accounts: argon2id with the library's recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cruddur.domain.text import refuse_controls
from cruddur.errors import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 256  # argon2 takes any length; a bound keeps one request from costing seconds

_hasher = PasswordHasher()
# Verified when the account does not exist, so a wrong handle takes as long as a wrong password.
_DECOY = _hasher.hash("decoy password for timing")


def check_new_password(password: str) -> str:
    refuse_controls(password, "password")
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise Invalid(f"a password is {MIN_LENGTH} to {MAX_LENGTH} characters", field="password")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_new_password(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash (a Cognito-only user) never matches."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _DECOY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
