"""Consumed capacity, summed across calls: every ops command prints it, the benchmark reads it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CapacityMeter:
    read_units: float = 0.0
    write_units: float = 0.0
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self,
        consumed: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None,
        write: bool = False,
    ) -> None:
        """Take ConsumedCapacity as DynamoDB returns it: a mapping, a list of them, or None.

        `write` says what the call was, for responses that give only a total (DynamoDB Local
        reports `CapacityUnits` alone, index writes included).
        """
        if consumed is None:
            return
        entries = [consumed] if isinstance(consumed, Mapping) else list(consumed)
        with self._lock:
            self.calls += 1
            for entry in entries:
                read = entry.get("ReadCapacityUnits")
                written = entry.get("WriteCapacityUnits")
                if read is None and written is None:
                    total = entry.get("CapacityUnits", 0.0)
                    read, written = (0.0, total) if write else (total, 0.0)
                self.read_units += float(read or 0.0)
                self.write_units += float(written or 0.0)

    def reset(self) -> None:
        with self._lock:
            self.read_units = self.write_units = 0.0
            self.calls = 0

    def summary(self) -> str:
        return (
            f"consumed capacity: {self.read_units:g} RCU, {self.write_units:g} WCU "
            f"over {self.calls} calls"
        )


class WriteBudget:
    """Paces a bulk job to `units_per_second` write units: `spend()` waits while the meter's
    writes are ahead of the budget, so an operator's repair never takes the table's throughput
    from the traffic it serves (on provisioned capacity) or runs up an on-demand bill."""

    def __init__(
        self,
        meter: CapacityMeter,
        units_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.meter = meter
        self.rate = units_per_second
        self.clock, self.sleep = clock, sleep
        self.started = clock()
        self.spent_from = meter.write_units

    def spend(self) -> None:
        ahead = (self.meter.write_units - self.spent_from) / self.rate - (
            self.clock() - self.started
        )
        if ahead > 0:
            self.sleep(ahead)
