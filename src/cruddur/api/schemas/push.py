"""Web Push: the server's key, and a browser's subscription as `PushSubscription.toJSON()`
gives it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from cruddur.api.schemas.common import RequestBody
from cruddur.domain.push import ENDPOINT_MAX


class PushKey(BaseModel):
    public_key: str = Field(
        description="the VAPID application server key (RFC 8292): an uncompressed P-256 public"
        " key, base64url; give it to `pushManager.subscribe` as `applicationServerKey`"
    )


class PushKeys(RequestBody):
    p256dh: str = Field(max_length=128, description="the browser's P-256 public key, base64url")
    auth: str = Field(max_length=64, description="the browser's 16-byte secret, base64url")


class PushSubscriptionIn(RequestBody):
    """`PushSubscription.toJSON()` as the browser gives it (`expirationTime` may be null)."""

    endpoint: str = Field(
        min_length=1,
        max_length=ENDPOINT_MAX,
        description="the push service's URL for this browser: https, of a push service this"
        " server sends to (CRUDDUR_PUSH_ALLOWED_ORIGINS)",
    )
    expirationTime: int | None = None
    keys: PushKeys


class PushSubscriptionOut(BaseModel):
    origin: str = Field(description="the push service (the endpoint itself is not shown again)")
    subscribed_at: str
    expires_at: str = Field(description="when it is forgotten unless the browser subscribes again")


class PushUnsubscribe(RequestBody):
    endpoint: str = Field(min_length=1, max_length=ENDPOINT_MAX)
