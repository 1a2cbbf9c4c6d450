"""aiodynamo signs with the credentials boto3 finds: one credential chain for the process.

boto3's chain knows every source a deployment may use (environment, profile, SSO, container,
instance, web identity); aiodynamo's own chain knows fewer. Refreshable credentials refresh
through a blocking call, so that call runs in a thread, and only when a refresh is due.
"""

from __future__ import annotations

import asyncio

from aiodynamo.credentials import Credentials, Key
from aiodynamo.errors import NoCredentialsFound
from aiodynamo.http.types import HttpImplementation
from botocore.credentials import Credentials as BotocoreCredentials
from botocore.credentials import RefreshableCredentials


class SharedCredentials(Credentials):
    def __init__(self, credentials: BotocoreCredentials | None) -> None:
        self._credentials = credentials

    async def get_key(self, http: HttpImplementation) -> Key | None:
        credentials = self._credentials
        if credentials is None:
            # Raised, not returned: aiodynamo would retry a missing key until its time limit.
            raise NoCredentialsFound()
        if isinstance(credentials, RefreshableCredentials) and credentials.refresh_needed():
            frozen = await asyncio.to_thread(credentials.get_frozen_credentials)
        else:
            frozen = credentials.get_frozen_credentials()
        if not frozen.access_key or not frozen.secret_key:
            raise NoCredentialsFound()
        return Key(frozen.access_key, frozen.secret_key, frozen.token)

    def invalidate(self) -> bool:
        return False  # botocore refreshes on its own schedule; nothing to drop here

    def is_disabled(self) -> bool:
        return False
