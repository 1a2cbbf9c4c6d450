"""Reactions: which emoji a member may put under a message, and how a page shows them.

Any single emoji is a reaction, as in the chats people use (a flag, a skin tone, a family of
four joined by zero-width joiners: one emoji each); anything else — two emoji, a letter, an
emoji with text around it — is refused. An emoji's text-style and emoji-style spellings (with
or without U+FE0F) are one reaction, so two members' hearts count together.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from cruddur.errors import Invalid

# Each member's reactions to one message: a bound, so a message item stays small however
# often someone taps.
MOST_PER_MEMBER = 10
_LONGEST = 64  # code points: the longest emoji sequence is 10; anything near this is not one
_VARIATION_SELECTOR = "\ufe0f"


@dataclass(frozen=True)
class ReactionCount:
    emoji: str
    count: int
    mine: bool


def clean_reaction(value: str) -> str:
    """The reaction's one spelling, or Invalid."""
    if not 0 < len(value) <= _LONGEST:
        raise Invalid("a reaction is a single emoji", field="emoji")
    text = unicodedata.normalize("NFC", value)
    if not _emoji().is_emoji(text):
        raise Invalid("a reaction is a single emoji", field="emoji")
    return _fully_qualified(text)


def _fully_qualified(text: str) -> str:
    """The emoji-style spelling: "❤" and "❤️" are one heart."""
    emoji_data = _emoji()
    if emoji_data.EMOJI_DATA.get(text, {}).get("status") == emoji_data.STATUS["fully_qualified"]:
        return text
    bare = text.replace(_VARIATION_SELECTOR, "")
    for candidate in (bare + _VARIATION_SELECTOR, bare):
        entry = emoji_data.EMOJI_DATA.get(candidate)
        if entry is not None and entry.get("status") == emoji_data.STATUS["fully_qualified"]:
            return candidate
    return text


@cache
def _emoji() -> ModuleType:
    # Unicode's emoji list (the `emoji` package) costs ~80 ms and ~10 MB to load: on the first
    # reaction, not at every process's start (the Lambda never needs it).
    import emoji

    return emoji


def counts(by_member: Mapping[str, Iterable[str]], viewer: str) -> list[ReactionCount]:
    """One entry per emoji: how many members put it there, and whether the viewer did. Most
    used first, then in code point order, so a page reads the same on every load."""
    members: dict[str, set[str]] = {}
    for member, reactions in by_member.items():
        for reaction in reactions:
            members.setdefault(reaction, set()).add(member)
    return [
        ReactionCount(reaction, len(who), viewer in who)
        for reaction, who in sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
