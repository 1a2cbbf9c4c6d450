"""Linking Cognito sign-ins to Cruddur users: `sub` to `users.cognito_user_id`, matched by the
Cognito user's `preferred_username` (the Cruddur handle)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from cruddur.adapters.users import UsersDirectory
from cruddur.errors import Conflict, Invalid, Unavailable

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoolUser:
    sub: str
    preferred_username: str | None


@dataclass
class LinkReport:
    linked: int = 0
    no_username: int = 0
    unmatched: list[str] = field(default_factory=list)


def pool_users(client: CognitoIdentityProviderClient, pool_id: str) -> Iterator[PoolUser]:
    """Every user of the pool, page by page (ListUsers returns at most 60 at a time)."""
    pages = client.get_paginator("list_users").paginate(
        UserPoolId=pool_id, AttributesToGet=["sub", "preferred_username"]
    )
    try:
        for page in pages:
            for user in page.get("Users", []):
                attributes = {a["Name"]: a.get("Value") for a in user.get("Attributes", [])}
                sub = attributes.get("sub")
                if sub:
                    yield PoolUser(sub, attributes.get("preferred_username"))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise Invalid(f"no user pool {pool_id!r}", field="user_pool_id") from exc
        raise Unavailable(f"Cognito refused ListUsers: {exc}") from exc
    except BotoCoreError as exc:
        raise Unavailable(f"Cognito did not answer: {exc}") from exc


def link_cognito_users(
    client: CognitoIdentityProviderClient, pool_id: str, users: UsersDirectory
) -> LinkReport:
    report = LinkReport()
    for pool_user in pool_users(client, pool_id):
        if not pool_user.preferred_username:
            report.no_username += 1
            continue
        try:
            linked = users.link_cognito(pool_user.preferred_username, pool_user.sub)
        except (Invalid, Conflict):
            # Not a valid Cruddur handle, or the sub already belongs to another user.
            linked = False
        if linked:
            report.linked += 1
        else:
            report.unmatched.append(pool_user.preferred_username)
    log.info(
        "cognito link: %d linked, %d unmatched, %d without preferred_username",
        report.linked,
        len(report.unmatched),
        report.no_username,
    )
    return report
