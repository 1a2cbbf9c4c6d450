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

from cruddur.adapters.dynamodb import items
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.errors import CONDITION_FAILED
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import Claim, MessageIdentity


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ClaimTable:
    def __init__(self, table: AsyncTable) -> None:
        self.table = table

    async def claim(self, user_uuid: str, key: str, claim: Claim, ttl_seconds: int) -> Claim:
        """Record `claim` for (user, key) unless a live record exists; the record that holds."""
        now = int(time.time())
        item = {
            **items.to_attrs(keys.idempotency_key(user_uuid, digest(key))),
            "fingerprint": items.s(claim.fingerprint),
            "message_uuid": items.s(claim.identity.message_uuid),
            "created_at": items.s(claim.identity.created_at),
            "message_group_uuid": items.s(claim.identity.group_uuid),
            keys.EXPIRES_AT: {"N": str(now + ttl_seconds)},
        }
        try:
            # TTL deletion lags by up to days, so an expired record counts as absent here.
            await self.table.call(
                "PutItem",
                {
                    "TableName": self.table.name,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                    "ExpressionAttributeValues": {":now": {"N": str(now)}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    "ReturnConsumedCapacity": "TOTAL",
                },
                passthrough=(CONDITION_FAILED,),
                write=True,
            )
        except DynamoError as exc:
            held: dict[str, Any] = dict(exc.body.get("Item") or {})
            if not held:
                held = await self.table.get(keys.idempotency_key(user_uuid, digest(key))) or item
            return _claim(held)
        return claim

    async def held_claim(self, user_uuid: str, key: str) -> Claim | None:
        item = await self.table.get(keys.idempotency_key(user_uuid, digest(key)))
        if item is None or int(item[keys.EXPIRES_AT]["N"]) < int(time.time()):
            return None  # TTL deletion lags: an expired record counts as absent
        return _claim(item)


def _claim(item: dict[str, Any]) -> Claim:
    return Claim(
        fingerprint=item["fingerprint"]["S"],
        identity=MessageIdentity(
            message_uuid=item["message_uuid"]["S"],
            created_at=item["created_at"]["S"],
            group_uuid=item["message_group_uuid"]["S"],
        ),
    )
