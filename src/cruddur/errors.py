"""The error tree. Services raise these; one edge (CLI, HTTP) maps them to exit codes or statuses.

CruddurError
├── Invalid            bad input (field names the culprit)
│   └── InvalidCursor  forged, truncated, expired or foreign paging cursor
├── NotFound           absent, or present but not yours (never tell the two apart)
├── Forbidden          signed in, but not allowed (no linked profile, local sign-in disabled)
│   └── Blocked        one of the two blocks the other: no messages between them
├── Conflict           a write lost a race or repeats with other content
├── Unauthorized       no or bad credentials
├── TooManyAttempts    slow down: a rate limit (retry_after says for how long)
└── Unavailable        a backend (DynamoDB, database) failed or is missing
    ├── TableMissing   the table does not exist at the target
    ├── Overloaded     shed to protect the process (retry_after says when to come back)
    └── Unreadable     stored text did not decrypt (a missing or foreign key, a tampered item)
        └── Erased     its author's key was destroyed: their account was deleted
"""

from __future__ import annotations


class CruddurError(Exception):
    code = "error"
    retry_after: int | None = None  # seconds, for errors a client should retry later

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(CruddurError):
    code = "invalid"


class InvalidCursor(Invalid):
    code = "invalid_cursor"

    def __init__(self, message: str = "the paging cursor is not valid for this request") -> None:
        super().__init__(message, field="cursor")


class NotFound(CruddurError):
    code = "not_found"


class Forbidden(CruddurError):
    code = "forbidden"


class Blocked(Forbidden):
    code = "blocked"


class NotAdmin(Forbidden):
    code = "not_admin"


class Conflict(CruddurError):
    code = "conflict"


class PairExists(Conflict):
    """Another start of this conversation won: send into its group instead."""


class Unauthorized(CruddurError):
    code = "unauthorized"


class TooManyAttempts(CruddurError):
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(CruddurError):
    code = "unavailable"


class TableMissing(Unavailable):
    code = "table_missing"


class Overloaded(Unavailable):
    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreadable(Unavailable):
    code = "unreadable"


class Erased(Unreadable):
    """Sealed under the key of a person whose account was deleted: gone for good."""

    code = "erased"
