"""Percentiles and timing. Samples are seconds; reports are milliseconds."""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    n: int
    p50_ms: float
    p99_ms: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        return cls(len(samples), percentile(samples, 50) * 1000, percentile(samples, 99) * 1000)

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "p50_ms": round(self.p50_ms, 3), "p99_ms": round(self.p99_ms, 3)}


def timed(operation: Callable[[], object]) -> float:
    started = time.perf_counter()
    operation()
    return time.perf_counter() - started


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def head_commit() -> str:
    """The checkout's commit, short: what a figure is dated by."""
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
