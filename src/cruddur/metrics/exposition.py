"""The figures read out: Prometheus text on a loopback port, and EMF lines on AWS.

Prometheus is served on a port of its own, not on the API's: the API's port is the one a load
balancer publishes, and `/metrics` there would tell anyone the routes' traffic (or need a
credential of its own). Loopback by default, like every server here.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from prometheus_client import start_http_server

from cruddur.metrics import emf
from cruddur.metrics.figures import REGISTRY

log = logging.getLogger(__name__)
EMF_EVERY_SECONDS = 60.0  # CloudWatch's standard resolution: one line a minute per process


def serve_prometheus(host: str, port: int) -> str:
    """Start /metrics (a daemon thread); its address."""
    server, _ = start_http_server(port, addr=host, registry=REGISTRY)
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    return f"http://{bound_host}:{bound_port}/metrics"


# The API's figures in CloudWatch: EMF name -> (Prometheus family, the samples that count).
Select = Callable[[dict[str, str]], bool]
_ALL: Select = lambda labels: True  # noqa: E731
COUNTERS: dict[str, tuple[str, Select]] = {
    "Requests": ("cruddur_http_requests", _ALL),
    "ServerErrors": ("cruddur_http_requests", lambda labels: labels["status"].startswith("5")),
    "MessagesSent": ("cruddur_messages_sent", _ALL),
    "ConversationsStarted": ("cruddur_conversations_started", _ALL),
    "MessageChanges": ("cruddur_message_changes", _ALL),
    "SendFailures": ("cruddur_send_failures", _ALL),
    "RateLimitRefusals": ("cruddur_rate_limit_refusals", _ALL),
    "StreamRecordsFailed": ("cruddur_stream_records", lambda labels: labels["outcome"] == "failed"),
    "DeadLetters": ("cruddur_stream_dead_letters", _ALL),
}


def _totals() -> dict[str, float]:
    families = {family.name: family for family in REGISTRY.collect()}
    totals: dict[str, float] = {}
    for name, (family_name, select) in COUNTERS.items():
        family = families.get(family_name)
        totals[name] = sum(
            sample.value
            for sample in (family.samples if family else ())
            if sample.name.endswith("_total") and select(sample.labels)
        )
    return totals


class EmfReporter:
    """Every minute, one EMF line on stdout with what the counters gained since the last one
    (and the open live streams), under the dimension Service."""

    def __init__(self, service: str, out: TextIO | None = None) -> None:
        self.service = service
        self.out = out or sys.stdout
        self._last = _totals()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emf", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(EMF_EVERY_SECONDS):
            self.flush()

    def flush(self) -> None:
        now = _totals()
        gained = {name: max(0.0, now[name] - self._last.get(name, 0.0)) for name in now}
        self._last = now
        streams = REGISTRY.get_sample_value("cruddur_live_streams_open") or 0.0
        metrics: dict[str, tuple[emf.Value, str]] = {
            name: (value, "Count") for name, value in gained.items()
        }
        metrics["LiveStreamsOpen"] = (streams, "Count")
        try:
            self.out.write(emf.line({"Service": self.service}, metrics) + "\n")
            self.out.flush()
        except (OSError, ValueError):  # stdout closed at shutdown
            log.debug("EMF line not written: stdout is closed")
