"""Running the services' coroutines from sync tests, on one event loop in a thread of its own.

One loop for the whole session: a store's connections belong to the loop of its first call, so
every call of a test (and the fixture that closes the store) runs on the same one. A browser test
may leave Playwright's loop running in the main thread, where `asyncio.run` refuses to start.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
TIMEOUT = 60.0

_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def _the_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="test-loop", daemon=True).start()
        return _loop


def run(work: Coroutine[Any, Any, T] | Callable[[], Awaitable[T]]) -> T:
    """The coroutine's result (or its exception), run on the tests' loop."""
    if not asyncio.iscoroutine(work):
        assert callable(work)
        made = work

        async def call() -> T:
            return await made()

        work = call()
    return asyncio.run_coroutine_threadsafe(work, _the_loop()).result(TIMEOUT)


def in_own_thread(work: Callable[[], T]) -> T:
    """`work()` in a thread with no event loop, as in a fresh process (a command line, a script
    that calls `asyncio.run`): after the browser tests, the main thread may still hold one."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=TIMEOUT)
    if failure:
        raise failure[0]
    return result[0]
