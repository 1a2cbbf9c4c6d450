"""What a reaction is, how a page counts them, and that the stream passes over them."""

from __future__ import annotations

from typing import Any

import pytest

from cruddur.adapters.dynamodb import message_items
from cruddur.adapters.dynamodb.attributes import (
    CREATED_AT,
    GROUP_UUID,
    MESSAGE_UUID,
    REACTIONS,
    TEXT,
    USER_UUID,
)
from cruddur.domain.reactions import ReactionCount, clean_reaction, counts
from cruddur.errors import Invalid
from cruddur.stream.records import message_of
from tests.integration.records import modify_record

ADA, BOB = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("👍", "👍"),
        ("👍🏽", "👍🏽"),  # a skin tone is part of its emoji
        ("🇫🇷", "🇫🇷"),  # a flag: two regional indicators, one emoji
        ("👨\u200d👩\u200d👧\u200d👦", "👨\u200d👩\u200d👧\u200d👦"),  # joined by ZWJs
        ("#\ufe0f\u20e3", "#\ufe0f\u20e3"),  # a keycap
        ("\u2764", "\u2764\ufe0f"),  # text style: stored in its emoji-style spelling
        ("\u263a", "\u263a\ufe0f"),
    ],
)
def test_any_single_emoji_is_a_reaction_in_one_spelling(given: str, stored: str):
    assert clean_reaction(given) == stored


@pytest.mark.parametrize(
    "bad", ["", "a", "1", "#", "👍👍", " 👍", "👍\n", "\u200d", "\ufe0f", "🇫", "<3", "x" * 65]
)
def test_anything_else_is_refused(bad: str):
    with pytest.raises(Invalid) as refused:
        clean_reaction(bad)
    assert refused.value.field == "emoji"


def test_counts_put_the_most_used_first_and_say_which_are_mine():
    by_member = {ADA: frozenset({"👍", "🎉"}), BOB: frozenset({"🎉", "😂"})}
    assert counts(by_member, ADA) == [
        ReactionCount("🎉", 2, True),
        ReactionCount("👍", 1, True),
        ReactionCount("😂", 1, False),
    ]
    assert [c.mine for c in counts(by_member, BOB)] == [True, False, True]
    assert counts({}, ADA) == []


def _image(**extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "pk": {"S": "MSG#g"},
        "sk": {"S": "2026-12-01T00:00:00.000000+00:00#m"},
        GROUP_UUID: {"S": "g"},
        MESSAGE_UUID: {"S": "m"},
        CREATED_AT: {"S": "2026-12-01T00:00:00.000000+00:00"},
        USER_UUID: {"S": ADA},
        "member_uuids": {"L": [{"S": ADA}, {"S": BOB}]},
        TEXT: {"B": b"sealed"},
        **extra,
    }


def test_the_stream_skips_a_change_that_only_reacted():
    reacted = _image(reactions_0={"SS": ["👍"]}, reacted_rev={"N": "0"})
    assert message_of(modify_record(reacted, 1)) is None
    # An edit after it counts the revision up past the reaction's: it is applied.
    edited = _image(reacted_rev={"N": "0"}, rev={"N": "1"})
    found = message_of(modify_record(edited, 2))
    assert found is not None
    assert found.rev == 1
    # A reaction after the edit marks the new revision: skipped again.
    assert message_of(modify_record(_image(reacted_rev={"N": "1"}, rev={"N": "1"}), 3)) is None
    # A message as sent is never skipped, whatever it carries.
    assert message_of(modify_record(_image(), 4)) is not None


def test_a_members_reactions_live_under_their_place_among_the_two():
    assert message_items.reactions_attribute((BOB, ADA), ADA) == REACTIONS[0]
    assert message_items.reactions_attribute((ADA, BOB), BOB) == REACTIONS[1]
