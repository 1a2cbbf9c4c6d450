"""Times as the pages word them ("5 min ago"), in the server's rendering and the script's alike."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from cruddur.domain.clock import utc_now

# (below this many, unit, seconds per unit): the same table as `relative` in static/times.js.
STEPS = ((60, "min", 60), (24, "h", 3600), (30, "d", 86400), (12, "mo", 2_592_000))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ago(iso: str, now: datetime | None = None) -> str:
    """The words times.js's `relative` gives for `iso`. The page is drawn with them, so the script's
    rewrite after load changes nothing on screen: an ISO string rewritten shorter moved every
    inbox row under it on a phone (layout shift)."""
    try:
        then = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = ((now or utc_now()) - then).total_seconds()
    if seconds < 45:
        return "just now"
    for limit, unit, size in STEPS:
        value = math.floor(seconds / size + 0.5)  # JavaScript's Math.round: halves go up
        if value < limit:
            return f"{value} {unit} ago"
    return f"{MONTHS[then.month - 1]} {then.day}, {then.year}"  # UTC; the script, local time
