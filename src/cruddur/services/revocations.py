"""The deny-list of signed-out tokens: durable in the table, cached in the shared state.

Revocation must survive a restart of every process and of Redis (which keeps nothing on disk),
and must fail closed. So the table holds every revocation until its token would have expired
(adapters/dynamodb/stores/revocations.py), and the shared state (Redis, else this process) is a
cache in front of it that knows whether it is complete: a marker key is set once every live
revocation has been copied in. Redis restarted empty has no marker, and the first check after
that copies the table's revocations back before it answers. A check is then one round trip to
the cache (both keys in one MGET); only a cache that cannot be read costs a table read, and a
table that cannot be read either is `Unavailable` (503), never a pass.

A sign-out while the cache is unreachable is in the table only: the process that took it
answers from the table until the cache answers again, and then adds what the cache missed at
its next check.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

from cruddur.errors import Unavailable
from cruddur.services.ports.people import RevocationStore, SharedState

log = logging.getLogger(__name__)
PREFIX = "cruddur:revoked:"
COMPLETE = "cruddur:revoked-complete:"  # + the table's name: one Redis may serve several
# Longer than any token lives: once every live revocation is copied in, each later one is
# added as it happens, so the cache stays complete until it is lost (then the marker is too).
COMPLETE_TTL = 2 * 86_400.0


def _subject(subject: str) -> str:
    # Not a token's shape: a subject's entry can never be mistaken for a token's.
    return f"subject {subject}"


def token_digest(token: str) -> str:
    # The token's digest, not the token: the deny-list must not be a list of usable tokens.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Revocations:
    def __init__(self, store: RevocationStore, cache: SharedState, scope: str) -> None:
        self.store = store
        self.cache = cache
        self.complete = COMPLETE + scope
        self._filling = threading.Lock()
        self._unflagged: dict[str, float] = {}  # digest → expiry, not in the cache yet

    def revoke(self, token: str, ttl: float, expires_at: float) -> None:
        digest = token_digest(token)
        self.store.revoke(digest, expires_at)  # first: what the cache says, the table holds
        if not self.cache.flag(PREFIX + digest, ttl):
            self._unflagged[digest] = expires_at

    def _catch_up(self) -> bool:
        """Add to the cache what it missed; True when nothing is missing any more."""
        for digest, expires_at in list(self._unflagged.items()):
            remaining = expires_at - time.time()
            if remaining > 0 and not self.cache.flag(PREFIX + digest, remaining):
                return False
            self._unflagged.pop(digest, None)
        return True

    def revoke_subject(self, subject: str, ttl: float) -> None:
        """Every token of this sign-in, issued until now (an erased account's): for `ttl`,
        the longest a token lives."""
        self.revoke(_subject(subject), ttl, time.time() + ttl)

    def answer_in_memory(self, token: str, subject: str | None = None) -> bool | None:
        """The answer when the cache lives in this process and is complete; None when it
        would take I/O (a round trip to Redis, or filling the cache)."""
        if not self.cache.in_process or self._unflagged:
            return None
        digests = self._digests(token, subject)
        *revoked, complete = self.cache.read(*(PREFIX + d for d in digests), self.complete)
        if any(revoked):
            return True
        return False if complete else None

    def is_revoked(self, token: str, subject: str | None = None) -> bool:
        digests = self._digests(token, subject)
        if self._unflagged and not self._catch_up():
            return any(self.store.is_revoked(d) for d in digests)
        try:
            *revoked, complete = self.cache.read(*(PREFIX + d for d in digests), self.complete)
        except Unavailable:
            # The cache is away: ask the table itself (Unavailable from it fails closed).
            return any(self.store.is_revoked(d) for d in digests)
        if any(revoked):
            return True
        if complete:
            return False
        self._fill()
        return any(self.store.is_revoked(d) for d in digests)

    @staticmethod
    def _digests(token: str, subject: str | None) -> list[str]:
        found = [token_digest(token)]
        if subject:
            found.append(token_digest(_subject(subject)))
        return found

    def _fill(self) -> None:
        """Copy every live revocation into the cache, then mark it complete."""
        with self._filling:
            count = 0
            for digest, remaining in self.store.live():
                self.cache.flag(PREFIX + digest, remaining)
                count += 1
            self.cache.flag(self.complete, COMPLETE_TTL)
        log.info("revocations cache filled from the table: %d signed-out sessions", count)
