"""Use cases of signing in: local sign-up and log-in, and who a bearer token belongs to."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field

from cruddur.cache import TtlCache
from cruddur.domain.model import User
from cruddur.domain.profile import login_key
from cruddur.domain.text import refuse_controls
from cruddur.errors import Forbidden, Overloaded, Unauthorized, Unavailable
from cruddur.services.limits import Limits
from cruddur.services.ports.people import PasswordHasher, TokenIssuing, TokenVerifying, UserStore
from cruddur.services.revocations import Revocations

log = logging.getLogger(__name__)
# Erasing an account with a Cognito token: it must have been issued this recently.
RECENT_SIGN_IN_SECONDS = 300


@dataclass(frozen=True)
class Session:
    user: User
    access_token: str
    expires_in: int


@dataclass
class Accounts:
    users: UserStore
    verifier: TokenVerifying
    issuer: TokenIssuing | None  # None when sign-in is Cognito's
    passwords: PasswordHasher
    # sub -> user: profiles change rarely, and a lookup per request would double its latency.
    by_sub: TtlCache[str, User]
    # token -> (user, exp): a token seen and verified a moment ago needs no second verification.
    by_token: TtlCache[str, tuple[User, float]] = field(
        default_factory=lambda: TtlCache[str, tuple[User, float]](30.0)
    )
    limits: Limits | None = None  # None: no rate limits (operators' tools)
    # Signed-out tokens: in the table, with the shared state (Redis or this process) in front.
    revocations: Revocations | None = None  # None: nothing is ever signed out (tools, tests)

    def _issuer(self) -> TokenIssuing:
        if self.issuer is None:
            raise Forbidden("local accounts are disabled here: sign in with Cognito")
        return self.issuer

    def sign_up(
        self, handle: str, display_name: str, email: str, password: str, client: str = ""
    ) -> Session:
        issuer = self._issuer()
        if self.limits is not None:
            self.limits.hit("signup", client)
        user = self.users.create(
            handle,
            display_name,
            email,
            password_hash=self.passwords.hash(password),
            # Local tokens carry their own `sub`, as Cognito's do, so one lookup serves both.
            cognito_user_id=str(uuid.uuid4()),
        )
        log.info("account created")  # whose: the request line has the user's keyed hash
        return self._session(issuer, user)

    def log_in(self, login: str, password: str, client: str = "") -> Session:
        issuer = self._issuer()
        key = login_key(login)
        refuse_controls(password, "password")
        if self.limits is not None:
            # Failures count per (account, client address): guessing one account from one place
            # is slow, and no one elsewhere can lock its owner out. All attempts from one address
            # count too, so one place cannot spray many accounts either.
            self.limits.hit("login", client)
            self.limits.check("login_failures", key, client)
        user = self.users.by_login(login)
        # verify runs even for an unknown login, so timing does not tell which it was.
        if not self.passwords.verify(user.password_hash if user else None, password) or not user:
            if self.limits is not None:
                self.limits.count("login_failures", key, client)
            raise Unauthorized("wrong handle or password")
        if user.cognito_user_id and self.passwords.needs_rehash(user.password_hash or ""):
            # Made with an older release's parameters: a sign-in moves it to today's, when a
            # hashing slot is free (a busy moment never turns a right password into a 503).
            with contextlib.suppress(Overloaded):
                new_hash = self.passwords.hash(password)
                self.users.set_local_sign_in(user.uuid, new_hash, user.cognito_user_id)
        return self._session(issuer, user)

    def _session(self, issuer: TokenIssuing, user: User) -> Session:
        if user.cognito_user_id is None:
            raise Unauthorized("this account cannot sign in locally")
        token = issuer.issue(user.cognito_user_id, user.handle)
        return Session(user, token, issuer.ttl_seconds)

    def recently_verified(self, token: str) -> User | None:
        """The token's user if it was verified moments ago and has not expired since, from
        memory only. Whether it was signed out since is `is_revoked`'s to say."""
        seen = self.by_token.get(token)
        if seen is None or seen[1] <= time.time():
            return None
        return seen[0]

    def user_of(self, token: str) -> User:
        """The token's user, from memory when it was verified moments ago (blocking I/O
        otherwise: call it off the event loop)."""
        user = self.recently_verified(token)
        if user is not None and not self.is_revoked(token, user.cognito_user_id):
            return user
        return self.authenticate(token)

    def revoked_in_memory(self, token: str) -> bool | None:
        """`is_revoked` when it needs no I/O; None when it does."""
        if self.revocations is None:
            return False
        seen = self.by_token.get(token)
        subject = seen[0].cognito_user_id if seen else None
        return self.revocations.answer_in_memory(token, subject)

    def sign_out(self, token: str) -> User:
        """End the session of `token` everywhere: every API process refuses it from now until
        it would have expired (a deny-list entry that expires with it)."""
        user = self.authenticate(token)
        seen = self.by_token.get(token)  # authenticate just put (user, expiry) there
        expires_at = seen[1] if seen else time.time() + 86_400
        if self.revocations is None:
            raise Unavailable("signing out needs the deny-list, which this process lacks")
        self.revocations.revoke(token, max(1.0, expires_at - time.time()), expires_at)
        self.by_token.put(token, (user, 0.0))  # the fast path must not serve it either
        log.info("signed out")
        return user

    def is_revoked(self, token: str, subject: str | None = None) -> bool:
        """Whether `token` was signed out (or every token of `subject`, its sign-in, was: an
        erased account's); Unavailable when that cannot be known."""
        return self.revocations is not None and self.revocations.is_revoked(token, subject)

    def check_presence(self, token: str, user: User, password: str | None) -> None:
        """The person at the keyboard is the account's owner, now: their password (local
        accounts), or a sign-in of the last RECENT_SIGN_IN_SECONDS (Cognito). Forbidden
        otherwise (nothing changes)."""
        if user.password_hash is not None and user.cognito_user_id and self.issuer is not None:
            if password is None or not self.passwords.verify(user.password_hash, password):
                raise Forbidden("that is not your password", field="password")
            return
        claims = self.verifier.verify(token)
        if time.time() - claims.issued_at > RECENT_SIGN_IN_SECONDS:
            raise Forbidden("sign in again first (within the last few minutes)", field="token")

    def forget(self, user: User, token_ttl: float) -> None:
        """The account gone: every token of it refused from now on, everywhere (durably: the
        deny-list's table), its row out of the users directory (its handle free again)."""
        if self.revocations is None:
            raise Unavailable("erasing an account needs the deny-list, which this process lacks")
        if user.cognito_user_id:
            self.revocations.revoke_subject(user.cognito_user_id, token_ttl)
        self.users.delete(user.uuid)

    def authenticate(self, token: str) -> User:
        """Verify the token and find its user (may fetch keys or query the users database)."""
        claims = self.verifier.verify(token)
        if self.is_revoked(token, claims.sub):
            raise Unauthorized("this session was signed out; sign in again")
        user = self.by_sub.get(claims.sub)
        if user is None:
            user = self.users.by_cognito_sub(claims.sub)
            if user is None:
                # A valid sign-in with no Cruddur profile: `cruddur db update-cognito-user-ids`.
                raise Forbidden("no Cruddur user is linked to this sign-in")
            self.by_sub.put(claims.sub, user)
        self.by_token.put(token, (user, claims.expires_at))
        return user
