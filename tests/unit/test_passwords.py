"""Password hashing: OWASP's argon2id parameters, bounded at once, old hashes upgraded."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher

from cruddur.adapters.auth.passwords import Passwords
from cruddur.errors import Overloaded


def test_hashes_use_owasps_least_memory_parameters_not_the_librarys_64_mib():
    stored = Passwords().hash("correct horse battery")
    assert "$argon2id$" in stored
    assert "m=7168,t=5,p=1" in stored


def test_past_the_slots_a_hash_is_shed_with_retry_after():
    passwords = Passwords(slots=1, wait=0.01)
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        with passwords._slot():
            started.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    started.wait(5)
    try:
        with pytest.raises(Overloaded) as shed:
            passwords.verify(None, "anything at all")
        assert shed.value.retry_after == 1
    finally:
        release.set()
        holder.join()
    assert passwords.verify(None, "anything at all") is False  # free again


def test_a_hash_made_with_the_old_parameters_verifies_and_asks_to_be_redone():
    old = PasswordHasher().hash("correct horse battery")  # the library's defaults: 64 MiB
    passwords = Passwords()
    assert passwords.verify(old, "correct horse battery")
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash("correct horse battery"))
