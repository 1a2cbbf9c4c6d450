"""Linking Cognito sign-ins to Cruddur users: `sub` to `users.cognito_user_id`, matched by the
Cognito user's `preferred_username` (the Cruddur handle)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from cruddur.domain.profile import normalize_handle
from cruddur.errors import Conflict, Invalid, Unavailable
from cruddur.services.ports.people import UserStore

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
    unmatched: list[str] = field(default_factory=list)  # no Cruddur user has that handle
    conflicts: list[str] = field(default_factory=list)  # refused: says why, one line each


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
    client: CognitoIdentityProviderClient, pool_id: str, users: UserStore
) -> LinkReport:
    """Link each pool user to the Cruddur user whose handle is its preferred_username. Handles
    compare as Cruddur compares them (case-folded): two pool users naming one handle are both
    refused and reported, as is any link that would replace another."""
    report = LinkReport()
    by_handle: dict[str, list[PoolUser]] = {}
    for pool_user in pool_users(client, pool_id):
        if not pool_user.preferred_username:
            report.no_username += 1
            continue
        try:
            handle = normalize_handle(pool_user.preferred_username)
        except Invalid:
            report.unmatched.append(pool_user.preferred_username)
            continue
        by_handle.setdefault(handle, []).append(pool_user)
    for handle, claimants in sorted(by_handle.items()):
        if len(claimants) > 1:
            names = ", ".join(sorted(c.preferred_username or "" for c in claimants))
            report.conflicts.append(f"@{handle}: {len(claimants)} Cognito users claim it ({names})")
            continue
        try:
            linked = users.link_cognito(handle, claimants[0].sub)
        except Conflict as exc:
            report.conflicts.append(exc.message)
            continue
        if linked:
            report.linked += 1
        else:
            report.unmatched.append(claimants[0].preferred_username or handle)
    log.info(
        "cognito link: %d linked, %d unmatched, %d refused, %d without preferred_username",
        report.linked,
        len(report.unmatched),
        len(report.conflicts),
        report.no_username,
    )
    return report
