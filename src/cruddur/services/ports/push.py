"""What push subscriptions need of the table (adapters/dynamodb/stores/push_devices.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cruddur.domain.model import PushDevice
from cruddur.domain.push import PushOrigins


class PushDeviceStore(Protocol):
    async def add(self, user_uuid: str, device: PushDevice, most: int) -> list[PushDevice]:
        """Keep or renew the device; past `most` devices, the longest subscribed are dropped."""
        ...

    async def of(self, user_uuid: str) -> list[PushDevice]: ...

    async def remove(self, user_uuid: str, endpoint: str) -> None: ...

    async def remove_all(self, user_uuid: str) -> int: ...


@dataclass(frozen=True)
class PushRegistry:
    """Push subscriptions as the API keeps them: where, whose key, how many, how long."""

    store: PushDeviceStore
    origins: PushOrigins
    public_key: str  # the VAPID application server key, base64url
    max_devices: int = 5
    lifetime_days: int = 60
