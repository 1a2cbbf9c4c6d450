"""What the account use cases need: the users directory (PostgreSQL, a blocking call, rarely on
the send path), password hashing, tokens issued and verified, the durable deny-list of signed-out
tokens, and the small state every API process shares (counters, flags, leases)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from cruddur.domain.model import AccessClaims, User


class Directory(Protocol):
    def by_handle(self, handle: str) -> User:
        """NotFound when nobody has the handle."""
        ...


class RevocationStore(Protocol):
    """Signed-out tokens, durably (by digest): what survives every restart."""

    def revoke(self, token_digest: str, expires_at: float) -> None: ...

    def is_revoked(self, token_digest: str) -> bool:
        """Unavailable when it cannot be read: the caller fails closed."""
        ...

    def live(self) -> Iterator[tuple[str, float]]:
        """Every revocation not yet expired: (digest, seconds it still has to live)."""
        ...


class SharedState(Protocol):
    # True when a call never leaves this process (an event loop may make it directly); False
    # when it is a network round trip (made on a thread from the loop).
    in_process: bool

    def incr(self, key: str, ttl: float, by: int = 1) -> int:
        """Add `by` to `key` (created with `ttl` seconds to live); the new value."""
        ...

    def read(self, *keys: str) -> list[int]:
        """The values of `keys` at once (0: absent); `Unavailable` if they cannot be read,
        never a guess."""
        ...

    def window(self, key: str, previous: str, ttl: float, by: int) -> tuple[int, int]:
        """Add `by` (0: nothing) to `key` as `incr` does, and read `previous`, at once: a
        sliding window's two counts in one round trip."""
        ...

    def flag(self, key: str, ttl: float) -> bool:
        """Set `key` for `ttl` seconds; False if the state could not be reached."""
        ...

    def lease(self, key: str, holder: str, ttl: float, most: int) -> bool:
        """Hold one of `most` places under `key` for `ttl` seconds (renewed by calling again);
        False when all are held by others."""
        ...

    def release(self, key: str, holder: str) -> None: ...

    def close(self) -> None: ...


class UserStore(Directory, Protocol):
    """The users directory: profiles and how each signs in (SQL; blocking calls)."""

    def create(
        self,
        handle: str,
        display_name: str,
        email: str,
        *,
        password_hash: str | None = None,
        cognito_user_id: str | None = None,
    ) -> User:
        """A new user; Conflict naming the field when the handle or e-mail is taken."""
        ...

    def by_login(self, handle_or_email: str) -> User | None: ...

    def by_cognito_sub(self, sub: str) -> User | None: ...

    def link_cognito(self, handle: str, sub: str) -> bool:
        """Give `handle`'s user this sign-in; False when it already had it."""
        ...

    def set_local_sign_in(self, user_uuid: str, password_hash: str, sub: str) -> None: ...

    def delete(self, user_uuid: str) -> bool:
        """The user's row gone; False if it was not there."""
        ...


class PasswordHasher(Protocol):
    slots: int  # hashes that may run at once (each takes a core for a moment)

    def hash(self, password: str) -> str: ...

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """False for no stored hash too, after the same work (timing tells nothing)."""
        ...

    def needs_rehash(self, stored_hash: str) -> bool: ...


class TokenVerifying(Protocol):
    def verify(self, token: str) -> AccessClaims:
        """Unauthorized for anything but a valid access token of our issuer and client."""
        ...


class TokenIssuing(Protocol):
    ttl_seconds: int

    def issue(self, sub: str, username: str) -> str: ...

    def jwks(self) -> dict[str, Any]:
        """The public keys that verify what it issues (a JWKS document)."""
        ...
