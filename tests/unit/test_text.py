"""One place cleans text from outside: controls refused, bidi reordering removed, blanks refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cruddur.domain.profile import (
    check_new_password,
    clean_display_name,
    login_key,
    normalize_email,
    normalize_handle,
)
from cruddur.domain.text import clean_message, clean_shown, has_visible, refuse_controls
from cruddur.errors import Invalid

CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\U0001ffff"]
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width joiners, word joiner, BOM
    "\u3164",  # Hangul filler
    "\u115f\u1160",  # Hangul choseong/jungseong fillers
    "\u2800",  # braille blank
    "\u00a0\u2003\u3000",  # no-break, em and ideographic spaces
    "\u0301\u0301",  # combining marks with no base
    "\u202e\u202d",  # only bidi overrides
    "\U000e0020",  # tag space
]


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_is_refused_in_every_key_and_in_shown_text(control: str):
    checks: tuple[Callable[[], object], ...] = (
        lambda: normalize_email(f"a{control}@example.org"),
        lambda: login_key(f"ada{control}"),
        lambda: check_new_password(f"correct horse{control}battery"),
        lambda: normalize_handle(f"ada{control}"),
        lambda: clean_display_name(f"Ada{control}"),
        lambda: clean_message(f"hi{control}there", 1024),
        lambda: refuse_controls(f"q{control}", "q"),
    )
    for check in checks:
        with pytest.raises(Invalid):
            check()


@pytest.mark.parametrize("blank", INVISIBLE)
def test_text_with_nothing_visible_is_refused(blank: str):
    assert not has_visible(blank)
    with pytest.raises(Invalid, match="is empty"):
        clean_message(f" {blank}\n", 1024)
    with pytest.raises(Invalid, match="is empty"):
        clean_display_name(blank)


def test_bidi_embeddings_overrides_and_isolates_are_removed_marks_stay():
    assert clean_message("abc\u202edef\u202c", 1024) == "abcdef"
    assert clean_message("\u2067שלום\u2069 ok", 1024) == "שלום ok"
    assert clean_message("a\u200fb", 1024) == "a\u200fb"  # RLM: right-to-left text needs it
    assert clean_display_name("Ada\u202e Quill") == "Ada Quill"


def test_shown_text_is_normalised_and_keeps_its_lines():
    assert clean_message("e\u0301\r\nnext\rline\tend", 1024) == "\u00e9\nnext\nline\tend"
    assert clean_display_name("  Ada \n  Quill ") == "Ada Quill"  # one line, single spaces
    assert clean_display_name("Ada\tQuill") == "Ada Quill"
    with pytest.raises(Invalid, match="display name contains a control character"):
        clean_display_name("Ada\x0bQuill")
    assert clean_message("👋", 1024) == "👋"
    assert clean_message("\u200bhi", 1024) == "\u200bhi"  # visible text around is kept as sent
    with pytest.raises(Invalid, match="longer than 3"):
        clean_shown("abcd", "message", 3, multiline=True)
