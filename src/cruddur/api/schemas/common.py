"""What every body of the API shares: the strict base of the request bodies, the formats they
name (a handle, a uuid), and the error and health bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cruddur.domain.profile import HANDLE


class RequestBody(BaseModel):
    """Every request body of the API (tests/unit/test_request_bodies.py holds each route to it).

    Unknown fields are refused: a client sending `user_uuid` learns it is not how this works, and
    nothing it sends beyond the documented fields is ever read. Strict: a JSON value is taken
    only as the type declared. pydantic's default (lax) mode read `0`, `1.0` or "yes" as a
    boolean and "12" as an integer, and such a PATCH was stored; now each is a 422. Strict
    mode suits these models because they hold only JSON's own types (strings, integers,
    booleans, lists of them): a uuid or a timestamp is declared `str` with its format, since
    strict mode takes no string for a UUID or a datetime from parsed JSON."""

    model_config = ConfigDict(extra="forbid", strict=True)


# The documented rules are the ones the services enforce (domain/profile.py, passwords.py), so
# clients and schema-driven tools learn them from /openapi.json. A handle is compared in
# lowercase, with one leading @ dropped: the API takes either case.
HANDLE_PATTERN = "^@?" + HANDLE.pattern.replace("a-z", "A-Za-z") + "$"


# A uuid in a body: documented as one, taken as text (a malformed one is the service's 400 naming
# the field, as before; strict mode would take no string for a `uuid.UUID`).
UuidText = Annotated[str, Field(max_length=64, json_schema_extra={"format": "uuid"})]


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    errors: list[ErrorDetail]
    # The request's id (X-Request-Id), as on the server's log lines of it: quote it in a report.
    request_id: str | None = None


class HealthPublic(BaseModel):
    status: str
