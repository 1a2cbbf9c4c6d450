"""How long-running processes keep their heap small and the collector's pauses short.

**Large blocks go back to the system.** glibc serves big allocations (a password hash's 7 MiB)
with mmap and returns them on free, but after the first such free it raises its threshold to
that size, and later ones stay in the heap for good: one sign-in left the API a hash's size larger.
A fixed threshold keeps every block over 256 KiB mapped, so a hash's memory is given back.

**One malloc arena for the process.** glibc gives each thread that allocates an arena of its
own (up to eight per core) and keeps what was freed in it. The API's threads are few and
mostly idle (libuv's resolver workers, the thread pools for PostgreSQL/SQLite and sign-ins),
yet each kept a few MiB it had freed. With one arena, what a thread frees serves the next
allocation of any thread. The GIL already serialises nearly every allocation, so the arena's
lock costs next to nothing.

**The start-up heap is frozen.**
boto3's service models, pydantic's schemas, FastAPI's routes and every imported module are
hundreds of thousands of objects that live until the process exits. Each full (generation 2)
collection walked all of them, stalling the API, the stream poller and the benchmark's own
clients for a tenth of a second or more at a time: the spikes in the stream lag's p99.
`gc.freeze()` moves what exists into a generation the collector never visits; later passes walk
only what came after.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger(__name__)
M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h); setting it ends the adjusting
MMAP_THRESHOLD_BYTES = 256 * 1024
M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h), as MALLOC_ARENA_MAX but this process only
ARENA_MAX = 1


def tune_malloc() -> None:
    """Call early, before the first large allocation and the first thread. Not glibc (musl,
    macOS): nothing to do."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    if not mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES):
        log.debug("mallopt(M_MMAP_THRESHOLD) was refused; large blocks may stay in the heap")
    if not mallopt(M_ARENA_MAX, ARENA_MAX):
        log.debug("mallopt(M_ARENA_MAX) was refused; threads may keep arenas of their own")


def freeze_startup_heap() -> None:
    """Call once everything is imported and built, just before serving."""
    gc.collect()  # garbage of the start-up goes now, not frozen in for good
    gc.freeze()
