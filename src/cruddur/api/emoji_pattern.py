"""The OpenAPI pattern of a reaction: exactly the single emoji domain/reactions.py takes.

Built from the same table the server checks against (the `emoji` package's list of every emoji
Unicode recommends), so the document cannot promise an emoji the server refuses nor refuse one it
takes. The list has some 5,000 sequences; shared beginnings are folded into a trie (about 20,000
characters). No character classes: astral characters in a class mean something else to a
JavaScript regex without the `u` flag, and alternations read the same in every dialect.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

_SPECIAL = frozenset("\\^$.|?*+()[]{}-/")

Trie = dict[str, "Trie"]
_END = ""  # marks a sequence that ends here (no character is the empty string)


def _escaped(character: str) -> str:
    return "\\" + character if character in _SPECIAL else character


def _trie(words: Iterable[str]) -> Trie:
    root: Trie = {}
    for word in words:
        node = root
        for character in word:
            node = node.setdefault(character, {})
        node[_END] = {}
    return root


def _alternation(node: Trie) -> str:
    branches = [
        _escaped(character) + _alternation(child)
        for character, child in sorted(node.items())
        if character != _END
    ]
    if not branches:
        return ""
    ends_here = _END in node
    if len(branches) == 1 and not ends_here:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if ends_here else "")


@cache
def emoji_pattern() -> str:
    import emoji  # ~80 ms and 10 MB: only when the document is built

    return "^" + _alternation(_trie(emoji.EMOJI_DATA)) + "$"
