"""Password hashes for local accounts: argon2id with OWASP's parameters, a bounded number at once.

Memory, not CPU, is what a flood of sign-ins exhausts: at argon2's library defaults (64 MiB a
hash) 120 parallel failed logins took the API from 136 MiB to 2.4 GiB. So the parameters are
OWASP's (Password Storage Cheat Sheet: argon2id), in the least memory of the configurations it
lists as equal in strength (m = 7 MiB, t = 5, p = 1: the same work as its m = 19 MiB, t = 2 in a
third of the memory, which every sign-in adds to the API's peak), and at most `slots` hashes run
at once; a request that finds every slot taken for `wait` seconds is shed with a 503 and
Retry-After instead of queueing memory. Hashes made with other parameters still verify, and are
made again with these at the next sign-in.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cruddur.domain.profile import MAX_PASSWORD_LENGTH, check_new_password
from cruddur.errors import Overloaded
from cruddur.metrics import figures

HASHING_NICENESS = 10
MEMORY_KIB = 7 * 1024
TIME_COST = 5
PARALLELISM = 1
# Hashing is CPU-bound and releases the GIL: more at once than half the cores only takes the
# CPU that every other request, the stream processor and the database need (measured: at 4 on
# two cores a login flood pushed an uninvolved user's inbox lag past a second).
DEFAULT_SLOTS = max(1, (os.cpu_count() or 2) // 2)

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


@functools.cache
def _decoy() -> str:
    """Verified when the account does not exist, so a wrong handle takes as long as a wrong
    password. Made on first use: a process that never checks a password never hashes."""
    return _hasher.hash("decoy password for timing")


def _lower_priority() -> None:
    """Hashing yields the CPU to everything else of the process and the machine: a sign-in
    flood then waits on itself, not on other users' messages (measured with `make attack`)."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: as is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def _matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Passwords:
    def __init__(self, slots: int = DEFAULT_SLOTS, wait: float = 0.1) -> None:
        self.slots = slots
        self._slots = threading.BoundedSemaphore(slots)
        self._wait = wait
        # The hashing runs on `slots` threads of its own, not on whichever of the server's 40
        # request threads came: glibc gives threads their own malloc arenas and keeps freed
        # memory in them, so a hash's memory (19 MiB then) taken once on each of 40 threads
        # stayed resident (the attack suite measured 380 MB after a login flood).
        self._hashing = ThreadPoolExecutor(
            max_workers=slots, thread_name_prefix="argon2", initializer=_lower_priority
        )

    @contextmanager
    def _slot(self) -> Iterator[None]:
        asked = time.perf_counter()
        got = self._slots.acquire(timeout=self._wait)
        figures.PASSWORD_HASH_WAIT.observe(time.perf_counter() - asked)
        if not got:
            raise Overloaded("sign-in is busy; try again in a moment", retry_after=1)
        try:
            yield
        finally:
            self._slots.release()

    def hash(self, password: str) -> str:
        check_new_password(password)
        with self._slot():
            return self._hashing.submit(_hasher.hash, password).result()

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when `password` matches; a missing hash (a Cognito-only user) never matches."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        with self._slot():
            matched = self._hashing.submit(_matches, stored_hash or _decoy(), password).result()
        return matched and stored_hash is not None

    @staticmethod
    def needs_rehash(stored_hash: str) -> bool:
        """Made with other parameters (an older release's 64 MiB ones): rehash on next sign-in."""
        try:
            return _hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return False
