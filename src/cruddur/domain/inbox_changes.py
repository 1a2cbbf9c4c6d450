"""The rule of what new, edited and deleted messages do to their members' inbox rows (pattern D),
which the stream processor applies a batch at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from cruddur.domain.model import InboxChange, LastMessage


def changes_for(
    messages: Iterable[LastMessage], members: Sequence[tuple[str, str]] | None = None
) -> list[InboxChange]:
    """One change per member: the newest message (in its newest revision), the new ones the
    member did not send (unread), and those deleted since (no longer unread).

    A message is new in its revision 0 (the INSERT); edits never make it unread again. A
    group's messages carry no members: `members` names them, each with the sort key their
    membership starts at (they are told of nothing before it); an event item is never unread."""
    messages = list(messages)
    if members is not None:
        changes: list[InboxChange] = []
        for member, joined_sk in members:
            theirs = [m for m in messages if m.sort_key >= joined_sk]
            if theirs:
                changes.extend(
                    replace(change, optional=True) for change in _changes(theirs, (member,))
                )
        return changes
    return _changes(messages, messages[0].member_uuids if messages else ())


def _changes(messages: list[LastMessage], owners: Sequence[str]) -> list[InboxChange]:
    newest: dict[str, LastMessage] = {}
    for m in messages:
        if m.message_uuid not in newest or m.rev > newest[m.message_uuid].rev:
            newest[m.message_uuid] = m
    latest = max(newest.values(), key=lambda m: m.sort_key)
    deleted = {m.sort_key: m.sender_uuid for m in newest.values() if m.deleted}
    return [
        InboxChange(
            owner_uuid=member,
            group_uuid=latest.group_uuid,
            latest=latest,
            unread_sks=frozenset(
                m.sort_key
                for m in messages
                if m.rev == 0
                and not m.event
                and m.sender_uuid != member
                and m.sort_key not in deleted
            ),
            dropped_sks=frozenset(sk for sk, sender in deleted.items() if sender != member),
        )
        for member in owners
    ]
