"""A person's browsers subscribe to pushes and unsubscribe (RFC 8030; RFC 8292's key).

What is kept is only what a push needs: the endpoint (checked against the push services this
server posts to: domain/push.py) and the browser's keys. An endpoint is a capability (whoever
holds it can push to that browser): it is never logged.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import PushDevice, UserRef
from cruddur.domain.push import check_endpoint, decode_keys
from cruddur.errors import Unavailable
from cruddur.services.context import MessagingContext, within_limit
from cruddur.services.ports.push import PushRegistry

log = logging.getLogger(__name__)


def registry(ctx: MessagingContext) -> PushRegistry:
    if ctx.push is None:
        raise Unavailable("push notifications are not offered here")
    return ctx.push


async def subscribe(
    ctx: MessagingContext, user: UserRef, endpoint: str, p256dh: str, auth: str
) -> PushDevice:
    """Keep this browser's subscription (a second time: renewed); past the cap, the devices
    subscribed longest ago are dropped."""
    push = registry(ctx)
    await within_limit(ctx, "push_subscribe", user.uuid)
    checked = check_endpoint(endpoint, push.origins)
    point, secret = decode_keys(p256dh, auth)
    now = ctx.clock()
    expires = now + timedelta(days=push.lifetime_days)
    device = PushDevice(checked, point, secret, format_timestamp(now), int(expires.timestamp()))
    dropped = await push.store.add(user.uuid, device, push.max_devices)
    if dropped:
        log.info("push devices over the cap dropped", extra={"dropped": len(dropped)})
    return device


async def unsubscribe(ctx: MessagingContext, user: UserRef, endpoint: str) -> None:
    """Forget this browser's subscription (one never kept: nothing to do)."""
    await registry(ctx).store.remove(user.uuid, endpoint)


async def devices(ctx: MessagingContext, user_uuid: str) -> list[PushDevice]:
    """This person's devices that have not expired, longest subscribed first."""
    if ctx.push is None:
        return []
    now = ctx.clock().timestamp()
    return [d for d in await ctx.push.store.of(user_uuid) if d.expires_at > now]
