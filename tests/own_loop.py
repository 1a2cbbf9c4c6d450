"""Running a coroutine from a sync test, on a loop of its own thread.

A browser test may leave Playwright's loop running in the main thread, and `asyncio.run` refuses
to start inside it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run(work: Callable[[], Awaitable[T]]) -> T:
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        async def main() -> None:
            result.append(await work())

        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if failure:
        raise failure[0]
    return result[0]
