"""A month's bill: AWS's calendar for it, and one priced line of it."""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_MONTH = 730  # AWS's own convention for monthly estimates
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Line:
    service: str
    usd: float
    detail: str
