"""Text from outside, checked in one place before it is stored, searched or shown.

Two kinds: keys (handles, e-mail addresses, passwords, logins, search terms) are refused if they
hold a control character — a NUL reached PostgreSQL as a 500 and cut SQLite's search patterns
short; shown text (message bodies, display names) is normalised (NFC, newlines unified, bidi
embeddings/overrides/isolates removed so no one can reverse how a line reads) and refused if
nothing visible is left (blank, or only zero-width and filler characters).
"""

from __future__ import annotations

import unicodedata

from cruddur.errors import Invalid

# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they reorder the
# text around them. The plain marks (LRM, RLM) stay: right-to-left writing needs them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that render as nothing (Hangul fillers, braille blank, Mongolian separator).
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
# Categories with no ink of their own: separators, controls, formats (zero-width, BOM), marks
# without a base, surrogates, private-use and unassigned code points.
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me", "Cs", "Co", "Cn"})


def _is_control(character: str, allowed: str) -> bool:
    if character in allowed:
        return False
    code = ord(character)
    control = code < 0x20 or 0x7F <= code <= 0x9F  # C0, DEL and C1
    surrogate = 0xD800 <= code <= 0xDFFF  # JSON can carry a lone one; UTF-8 cannot store it
    noncharacter = (code & 0xFFFF) in {0xFFFE, 0xFFFF}
    return control or surrogate or noncharacter


def refuse_controls(value: str, field: str, allowed: str = "") -> str:
    """`value` unchanged, or Invalid naming `field` if it holds a control character."""
    if any(_is_control(character, allowed) for character in value):
        raise Invalid(f"{field.replace('_', ' ')} contains a control character", field=field)
    return value


def has_visible(value: str) -> bool:
    return any(
        character not in BLANK_CHARACTERS
        and unicodedata.category(character) not in INVISIBLE_CATEGORIES
        for character in value
    )


def clean_shown(value: str, field: str, max_chars: int, *, multiline: bool) -> str:
    """Shown text: normalised, stripped, with something visible, at most `max_chars` long."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    # Tabs and newlines are kept in a message; in a one-line field they collapse to a space.
    refuse_controls(text, field, allowed="\n\t")
    text = "".join(character for character in text if character not in BIDI_CONTROLS)
    text = text.strip() if multiline else " ".join(text.split())
    label = field.replace("_", " ")
    if not has_visible(text):
        raise Invalid(f"the {label} is empty", field=field)
    if len(text) > max_chars:
        raise Invalid(f"the {label} is longer than {max_chars} characters", field=field)
    return text


def clean_message(text: str, max_chars: int) -> str:
    return clean_shown(text, "message", max_chars, multiline=True)


PREVIEW_CHARS = 120


def preview(text: str) -> str:
    """What an inbox row or a reply's quote shows of a message: its start, if it is long."""
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
