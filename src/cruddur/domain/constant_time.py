"""The one comparison of secrets: constant time, on bytes.

`hmac.compare_digest` raises TypeError on a `str` holding anything but ASCII, and whatever a
client sends (a CSRF value, a cursor's MAC, a header) may hold anything. Every secret is
compared here, as UTF-8 bytes (lone surrogates kept, not refused), so any input is simply
unequal, never an error.
"""

from __future__ import annotations

import hmac


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def equal(expected: str | bytes, given: str | bytes) -> bool:
    """Whether two secrets are equal, in time that depends only on their lengths."""
    return hmac.compare_digest(_bytes(expected), _bytes(given))
