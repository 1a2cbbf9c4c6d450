"""Web Push subscriptions: the server's key (GET /api/push/key), a browser subscribing
(POST /api/push/subscriptions) and unsubscribing (DELETE /api/push/subscriptions)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from cruddur.api.deps import CurrentUser, MessagingDep
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.params import rate_limited
from cruddur.api.schemas.push import (
    PushKey,
    PushSubscriptionIn,
    PushSubscriptionOut,
    PushUnsubscribe,
)
from cruddur.domain.clock import format_timestamp
from cruddur.domain.push import origin_of
from cruddur.services import push_devices

router = APIRouter(responses=ERROR_RESPONSES, tags=["push"])


@router.get("/api/push/key", operation_id="pushKey")
async def push_key(user: CurrentUser, messaging: MessagingDep) -> PushKey:
    """The key push services know this server by: a browser subscribes with it."""
    return PushKey(public_key=push_devices.registry(messaging).public_key)


@router.post(
    "/api/push/subscriptions",
    status_code=status.HTTP_201_CREATED,
    operation_id="pushSubscribe",
    responses={**rate_limited("push_subscribe")},
)
async def subscribe(
    body: PushSubscriptionIn, user: CurrentUser, messaging: MessagingDep
) -> PushSubscriptionOut:
    """Keep this browser's subscription (the same one again: renewed). Its endpoint must be an
    https URL of a push service this server sends to (400 otherwise). A person keeps a few
    devices; past them, the ones subscribed longest ago are forgotten."""
    device = await push_devices.subscribe(
        messaging, user, body.endpoint, body.keys.p256dh, body.keys.auth
    )
    return PushSubscriptionOut(
        origin=origin_of(device.endpoint),
        subscribed_at=device.subscribed_at,
        expires_at=format_timestamp(datetime.fromtimestamp(device.expires_at, UTC)),
    )


@router.delete(
    "/api/push/subscriptions",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    operation_id="pushUnsubscribe",
)
async def unsubscribe(body: PushUnsubscribe, user: CurrentUser, messaging: MessagingDep) -> None:
    """Forget this browser's subscription (one never kept: 204 all the same)."""
    await push_devices.unsubscribe(messaging, user, body.endpoint)
