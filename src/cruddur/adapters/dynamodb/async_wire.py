"""The wire on the event loop: the API's calls over an aiohttp session, with the same signing,
answers and retry policy as the blocking wire (`wire.py`), which the stream Lambda uses (its
runtime ships urllib3, not aiohttp)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from botocore.credentials import Credentials, RefreshableCredentials

from cruddur.adapters.dynamodb.retry import RetryPolicy
from cruddur.adapters.dynamodb.wire import (
    CONNECT_TIMEOUT,
    POOL_SIZE,
    READ_TIMEOUT,
    CorruptAnswer,
    DynamoError,
    Endpoint,
    NoAnswer,
    WireProtocol,
)


class AsyncWire(WireProtocol):
    """Awaited calls over an aiohttp session. A session belongs to the loop that opened it, so
    it is opened on the first call, in the caller's loop; whoever runs that loop closes it."""

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials | None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__(endpoint, credentials, policy)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _opened(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=POOL_SIZE),
                timeout=aiohttp.ClientTimeout(connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT),
                auto_decompress=False,  # asked for identity; a CRC32 is of the bytes as sent
            )
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("this wire is open on another event loop; close it there first")
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        session = self._opened()
        attempts = self.policy.start()
        while True:
            credentials = self.credentials
            if isinstance(credentials, RefreshableCredentials) and credentials.refresh_needed():
                # A refresh is a blocking call to STS or the metadata service: not on the loop.
                await asyncio.to_thread(credentials.get_frozen_credentials)
            body, headers = self._signed(action, payload)
            try:
                async with session.post(self.endpoint.url, data=body, headers=headers) as response:
                    data = await response.read()
                    answer = self._answer(response.status, response.headers, data)
            except (DynamoError, CorruptAnswer) as exc:
                failed: Exception = exc
            except (TimeoutError, aiohttp.ClientError) as exc:
                failed = NoAnswer(exc)
            else:
                attempts.succeeded()
                return answer
            await asyncio.sleep(self._wait_after(attempts, failed))
