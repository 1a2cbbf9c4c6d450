"""A browser's push subscription <-> its item: one per person and endpoint, under the person's
own partition (`PUSH#{user}`), gone by DynamoDB's TTL unless the browser renews it."""

from __future__ import annotations

from typing import Any

from cruddur.adapters.dynamodb.attributes import Item, binary, s, to_attrs
from cruddur.domain import keys
from cruddur.domain.model import PushDevice

ENDPOINT, P256DH, AUTH, SUBSCRIBED_AT = "endpoint", "p256dh", "auth", "subscribed_at"


def device_item(user_uuid: str, device: PushDevice) -> Item:
    return {
        **to_attrs(keys.push_device_key(user_uuid, device.endpoint)),
        ENDPOINT: s(device.endpoint),
        P256DH: {"B": device.p256dh},
        AUTH: {"B": device.auth},
        SUBSCRIBED_AT: s(device.subscribed_at),
        keys.EXPIRES_AT: {"N": str(device.expires_at)},
    }


def device_from_item(item: dict[str, Any]) -> PushDevice:
    return PushDevice(
        endpoint=item[ENDPOINT]["S"],
        p256dh=binary(item[P256DH]["B"]),
        auth=binary(item[AUTH]["B"]),
        subscribed_at=item[SUBSCRIBED_AT]["S"],
        expires_at=int(item[keys.EXPIRES_AT]["N"]),
    )
