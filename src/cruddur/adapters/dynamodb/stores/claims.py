"""Idempotency records of `POST /api/messages`, kept in the messages table with a TTL.

A record is claimed before the message is written and names the message's identity (uuid, time,
and the group to create if the conversation is new). Every request carrying the same key writes
that same identity, and the message writes are conditional on the key being new, so however many
retries race, one message exists.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from cruddur.adapters.dynamodb import claim_items, operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import Claim


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ClaimTable:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table

    async def claim(self, user_uuid: str, key: str, claim: Claim, ttl_seconds: int) -> Claim:
        """Record `claim` for (user, key) unless a live record exists; the record that holds."""
        now = int(time.time())
        item = claim_items.claim_item(
            keys.idempotency_key(user_uuid, digest(key)), claim, now + ttl_seconds
        )
        try:
            # TTL deletion lags by up to days, so an expired record counts as absent here.
            put = operations.put(
                self.table.name,
                item,
                f"attribute_not_exists({keys.PK}) OR {keys.EXPIRES_AT} < :now",
                {":now": {"N": str(now)}},
                old_on_failure=True,
            )
            await self.table.call("PutItem", put, passthrough=(CONDITION_FAILED,))
        except DynamoError as exc:
            held: dict[str, Any] = dict(exc.body.get("Item") or {})
            if not held:
                held = await self.table.get(keys.idempotency_key(user_uuid, digest(key))) or item
            return claim_items.claim_from_item(held)
        return claim

    async def held_claim(self, user_uuid: str, key: str) -> Claim | None:
        item = await self.table.get(keys.idempotency_key(user_uuid, digest(key)))
        if item is None or int(item[keys.EXPIRES_AT]["N"]) < int(time.time()):
            return None  # TTL deletion lags: an expired record counts as absent
        return claim_items.claim_from_item(item)
