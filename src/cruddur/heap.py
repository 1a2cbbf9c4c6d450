"""Long-running processes exempt their start-up heap from the garbage collector's full passes.

boto3's service models, pydantic's schemas, FastAPI's routes and every imported module are
hundreds of thousands of objects that live until the process exits. Each full (generation 2)
collection walked all of them: on the benchmark's machine that stalled the API, the stream
poller and the benchmark's own clients for 120–210 ms at a time, and those stalls were the
spikes in the stream lag's p99. `gc.freeze()` moves what exists into a generation the collector
never visits; later passes walk only what came after.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Call once everything is imported and built, just before serving."""
    gc.collect()  # garbage of the start-up goes now, not frozen in for good
    gc.freeze()
