"""Use cases of signing in: local sign-up and log-in, and who a bearer token belongs to."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

from cruddur.adapters.cache import TtlCache
from cruddur.adapters.passwords import check_new_password, hash_password, verify_password
from cruddur.adapters.tokens import TokenIssuer, TokenVerifier
from cruddur.adapters.users import User, UsersDirectory, login_key
from cruddur.domain.text import refuse_controls
from cruddur.errors import Forbidden, TooManyAttempts, Unauthorized

log = logging.getLogger(__name__)
MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW = 300.0  # seconds, counted from the latest failure


@dataclass(frozen=True)
class Session:
    user: User
    access_token: str
    expires_in: int


@dataclass
class Accounts:
    users: UsersDirectory
    verifier: TokenVerifier
    issuer: TokenIssuer | None  # None when sign-in is Cognito's
    # sub -> user: profiles change rarely, and a lookup per request would double its latency.
    by_sub: TtlCache[str, User]
    # token -> (user, exp): a token seen and verified a moment ago needs no second verification.
    by_token: TtlCache[str, tuple[User, float]] = field(
        default_factory=lambda: TtlCache[str, tuple[User, float]](30.0)
    )
    # login -> failed attempts in the current window
    failed_logins: TtlCache[str, int] = field(
        default_factory=lambda: TtlCache[str, int](FAILED_LOGIN_WINDOW)
    )

    def _issuer(self) -> TokenIssuer:
        if self.issuer is None:
            raise Forbidden("local accounts are disabled here: sign in with Cognito")
        return self.issuer

    def sign_up(self, handle: str, display_name: str, email: str, password: str) -> Session:
        issuer = self._issuer()
        check_new_password(password)
        user = self.users.create(
            handle,
            display_name,
            email,
            password_hash=hash_password(password),
            # Local tokens carry their own `sub`, as Cognito's do, so one lookup serves both.
            cognito_user_id=str(uuid.uuid4()),
        )
        log.info("account created user=%s", user.uuid)
        return self._session(issuer, user)

    def log_in(self, login: str, password: str) -> Session:
        issuer = self._issuer()
        key = login_key(login)
        refuse_controls(password, "password")
        failures = self.failed_logins.get(key) or 0
        if failures >= MAX_FAILED_LOGINS:
            # Per account name, so guessing one account's password is slow; in-process (each API
            # process keeps its own count), which bounds guessing without any shared state.
            raise TooManyAttempts(
                "too many failed sign-ins for this account; wait a few minutes",
                retry_after=int(FAILED_LOGIN_WINDOW),
            )
        user = self.users.by_login(login)
        # verify_password runs even for an unknown login, so timing does not tell which it was.
        if not verify_password(user.password_hash if user else None, password) or user is None:
            self.failed_logins.put(key, failures + 1)
            raise Unauthorized("wrong handle or password")
        return self._session(issuer, user)

    def _session(self, issuer: TokenIssuer, user: User) -> Session:
        if user.cognito_user_id is None:
            raise Unauthorized("this account cannot sign in locally")
        token = issuer.issue(user.cognito_user_id, user.handle)
        return Session(user, token, issuer.ttl_seconds)

    def recently_verified(self, token: str) -> User | None:
        """The token's user if it was verified moments ago and has not expired since: no I/O."""
        seen = self.by_token.get(token)
        if seen is None or seen[1] <= time.time():
            return None
        return seen[0]

    def authenticate(self, token: str) -> User:
        """Verify the token and find its user (may fetch keys or query the users database)."""
        claims = self.verifier.verify(token)
        user = self.by_sub.get(claims.sub)
        if user is None:
            user = self.users.by_cognito_sub(claims.sub)
            if user is None:
                # A valid sign-in with no Cruddur profile: `cruddur db update-cognito-user-ids`.
                raise Forbidden("no Cruddur user is linked to this sign-in")
            self.by_sub.put(claims.sub, user)
        self.by_token.put(token, (user, claims.expires_at))
        return user
