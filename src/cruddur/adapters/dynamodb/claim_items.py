"""Idempotency records: the request's fingerprint and the message it made (stores/claims.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cruddur.adapters.dynamodb.attributes import (
    CREATED_AT,
    FINGERPRINT,
    GROUP_UUID,
    MESSAGE_UUID,
    Item,
    s,
    to_attrs,
)
from cruddur.domain import keys
from cruddur.domain.model import Claim, MessageIdentity


def claim_item(key: Mapping[str, str], claim: Claim, expires_at: int) -> Item:
    """An idempotency record: the request's fingerprint and the message it names."""
    return {
        **to_attrs(key),
        FINGERPRINT: s(claim.fingerprint),
        MESSAGE_UUID: s(claim.identity.message_uuid),
        CREATED_AT: s(claim.identity.created_at),
        GROUP_UUID: s(claim.identity.group_uuid),
        keys.EXPIRES_AT: {"N": str(expires_at)},
    }


def claim_from_item(item: Mapping[str, Any]) -> Claim:
    return Claim(
        fingerprint=item[FINGERPRINT]["S"],
        identity=MessageIdentity(
            message_uuid=item[MESSAGE_UUID]["S"],
            created_at=item[CREATED_AT]["S"],
            group_uuid=item[GROUP_UUID]["S"],
        ),
    )
