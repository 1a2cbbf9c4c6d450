"""Every figure the service keeps, in one registry, named and labelled once.

Labels are bounded sets (a route's template, never its path; a status; a limit's name): a
label that took a user or a raw path would grow without end. Counter names gain `_total` in
the Prometheus text.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # CPU seconds, resident memory, open files
PlatformCollector(registry=REGISTRY)

REQUESTS = Counter(
    "cruddur_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "cruddur_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
MESSAGES_SENT = Counter(
    "cruddur_messages_sent", "Messages written, first messages included.", registry=REGISTRY
)
CONVERSATIONS_STARTED = Counter(
    "cruddur_conversations_started", "Conversations started.", registry=REGISTRY
)
MESSAGE_CHANGES = Counter(
    "cruddur_message_changes",
    "Messages edited or deleted, reactions put or taken away.",
    ["action"],
    registry=REGISTRY,
)
SEND_FAILURES = Counter(
    "cruddur_send_failures",
    "Sends (POST /api/messages) answered with a server error: a message that may be lost.",
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "cruddur_rate_limit_refusals",
    "Requests refused by a rate limit (429), by limit.",
    ["limit"],
    registry=REGISTRY,
)
LIVE_STREAMS = Gauge(
    "cruddur_live_streams_open", "Live-event streams (SSE) open now.", registry=REGISTRY
)
PASSWORD_HASH_WAIT = Histogram(
    "cruddur_password_hash_wait_seconds",
    "Wait for a password-hashing slot (sign-up, sign-in); past 0.1 s the request gets 503.",
    buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
    registry=REGISTRY,
)
STREAM_LAG = Histogram(
    "cruddur_stream_lag_seconds",
    "A message's creation to its inbox rows updated by the stream processor.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
    registry=REGISTRY,
)
STREAM_RECORDS = Counter(
    "cruddur_stream_records",
    "Stream records handled, by outcome (applied: a message's; skipped: not a message's; failed).",
    ["outcome"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "cruddur_stream_dead_letters",
    "Stream records the processor gave up on (see `cruddur stream redrive`).",
    registry=REGISTRY,
)


class _Off:
    """A figure that keeps nothing: every call is accepted and forgotten."""

    def labels(self, *_: Any, **__: Any) -> _Off:
        return self

    def inc(self, *_: Any) -> None: ...
    def dec(self, *_: Any) -> None: ...
    def observe(self, *_: Any) -> None: ...


def switch_off() -> None:
    """Keep no figures in this process (CRUDDUR_METRICS_ENABLED=false): every instrumented
    place looks its figure up here at each call, so from now on each finds one that keeps
    nothing."""
    off = _Off()
    for name, value in list(globals().items()):
        if isinstance(value, Counter | Gauge | Histogram):
            globals()[name] = off
