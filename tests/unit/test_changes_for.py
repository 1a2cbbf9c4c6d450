"""How a batch of message records becomes each member's inbox change (pure logic)."""

from __future__ import annotations

from dataclasses import replace

from cruddur.domain.inbox_changes import changes_for
from cruddur.domain.model import LastMessage

A, B = "a" * 8, "b" * 8


def sent(n: int, sender: str = A) -> LastMessage:
    return LastMessage("g", f"m{n}", f"2026-01-01T00:00:0{n}.000000Z", sender, (A, B), b"x")


def test_an_edit_in_the_same_batch_as_its_message_still_counts_it_unread_once():
    first = sent(1)
    edited = replace(first, rev=1, sealed_preview=b"y")
    for batch in ([first, edited], [edited, first]):
        for_b = next(c for c in changes_for(batch) if c.owner_uuid == B)
        assert for_b.latest == edited  # the highest revision, whatever the order
        assert for_b.unread_sks == {first.sort_key}
        assert for_b.dropped_sks == frozenset()


def test_an_edit_alone_is_never_unread():
    edited = replace(sent(1), rev=2)
    assert all(c.unread_sks == frozenset() for c in changes_for([edited]))


def test_a_deletion_drops_the_token_for_the_reader_only():
    first, second = sent(1), sent(2, sender=B)
    gone = replace(first, rev=1, deleted=True, sealed_preview=b"")
    changes = {c.owner_uuid: c for c in changes_for([first, second, gone])}
    assert changes[B].unread_sks == frozenset()  # inserted and deleted in one batch
    assert changes[B].dropped_sks == {first.sort_key}
    assert changes[A].dropped_sks == frozenset()  # her own message was never unread to her
    assert changes[A].unread_sks == {second.sort_key}
    assert changes[A].latest == second
