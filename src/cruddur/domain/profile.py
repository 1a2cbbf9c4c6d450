"""The rules of what names a person: handle, e-mail address, display name, a sign-in's login.

Pure rules, no storage: the users directory applies them on every write, the services before
they look anyone up, so `@Ada` and `ada` are one person everywhere."""

from __future__ import annotations

import re

from cruddur.domain.text import clean_shown, refuse_controls
from cruddur.errors import Invalid

HANDLE = re.compile(r"[a-z0-9_]{3,32}")
DISPLAY_NAME_MAX = 100
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalize_handle(handle: str) -> str:
    """Lowercase, an optional leading @ dropped; letters, digits, underscore, 3 to 32 long."""
    cleaned = refuse_controls(handle, "handle").strip().removeprefix("@").lower()
    if not HANDLE.fullmatch(cleaned):
        raise Invalid("a handle is 3 to 32 letters, digits or underscores", field="handle")
    return cleaned


def normalize_email(email: str) -> str:
    cleaned = refuse_controls(email, "email").strip().lower()
    if len(cleaned) > 254 or not EMAIL.match(cleaned):
        raise Invalid("that is not an email address", field="email")
    return cleaned


def clean_display_name(name: str) -> str:
    return clean_shown(name, "display_name", DISPLAY_NAME_MAX, multiline=False)


def login_key(handle_or_email: str) -> str:
    """How a sign-in names its account: a handle (with or without @) or an e-mail address."""
    return refuse_controls(handle_or_email, "login").strip().removeprefix("@").lower()


MIN_PASSWORD_LENGTH = 8
# Any length hashes; a bound keeps one request from costing seconds of a core.
MAX_PASSWORD_LENGTH = 256


def check_new_password(password: str) -> str:
    refuse_controls(password, "password")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise Invalid(
            f"a password is {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field="password",
        )
    return password
