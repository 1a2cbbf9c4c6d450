"""(1b) What sealing message text costs: CPU per seal and per open, and the bytes it adds.

Measured in this process with the API's own Sealer (its data key generation in the table,
wrapped as the API wraps it), after the first call has unwrapped the key: a send seals the text
(and, past a preview's length, the preview); a page of 20 opens 20 values.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from cruddur.adapters.dynamodb.text_sealer import TextSealer

TEXT = "x" * 118  # the planning figure: a 118-byte message
ROUNDS = 2000


def measure(sealer: TextSealer, rounds: int = ROUNDS) -> dict[str, Any]:
    group = str(uuid.uuid4())
    sort_key = f"2026-11-23T10:00:00.000000Z#{uuid.uuid4()}"
    sealed = sealer.seal(TEXT, group, sort_key)  # makes or unwraps the generation: not counted
    assert sealer.open(sealed, group, sort_key) == TEXT
    started = time.process_time()
    for _ in range(rounds):
        sealer.seal(TEXT, group, sort_key)
    seal = (time.process_time() - started) / rounds
    started = time.process_time()
    for _ in range(rounds):
        sealer.open(sealed, group, sort_key)
    opened = (time.process_time() - started) / rounds
    return {
        "text_bytes": len(TEXT),
        "sealed_bytes": len(sealed),
        "seal_cpu_us": round(seal * 1e6, 1),
        "open_cpu_us": round(opened * 1e6, 1),
        "page_of_20_open_cpu_us": round(20 * opened * 1e6, 1),
    }
