"""(5) What a user runs: `cruddur up` — DynamoDB Local on disk, the API and the stream poller in
one process — cold and warm, with and without an `Idempotency-Key`.

The rest of the benchmark runs an in-memory DynamoDB Local with the API and the poller apart,
and sends without a key. Here the same sends go to the default configuration:

- **cold**: the first sequential sends after start-up, while DynamoDB Local's JIT is still
  compiling (a newcomer's first minute after `make run`), against the same sends once warm;
- **keyed**: sends that carry an `Idempotency-Key` (as the web page's do) against sends that do
  not, interleaved one for one so that whatever else the machine does lands on both alike;
  latency p50 and the CPU of the `cruddur up` process per send, then closed-loop throughput.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.rig import BENCH_LIMITS, _api_url, stop_process
from bench.stats import Summary, ratio, timed
from bench.throughput import cpu_seconds, rss_kib
from bench.workload import Account, KeepAliveClient, sign_up, start

Send = Callable[[int], object]


@contextmanager
def cruddur_up(work_dir: Path) -> Iterator[tuple[str, int, float]]:
    """`cruddur up --no-seed` in a fresh data dir: (API address, its pid, seconds to start)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **BENCH_LIMITS}
    env.pop("AWS_ENDPOINT_URL", None)  # it starts its own DynamoDB Local, as `make run` does
    command = [sys.executable, "-m", "cruddur", "--log-level", "WARNING", "up", "--no-seed"]
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--port", "0", "--data-dir", str(work_dir / "up")],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        url = _api_url(process)
        yield url, process.pid, time.perf_counter() - started
    finally:
        stop_process(process)


def measure(
    work_dir: Path, iterations: int, messages: int, clients: int, warm_rounds: int = 3
) -> dict[str, Any]:
    with cruddur_up(work_dir) as (url, pid, start_seconds):
        ready_rss = rss_kib(pid)
        http = httpx.Client(base_url=url, timeout=30)
        pairs = [_pair(http) for _ in range(clients)]
        sender, group = pairs[0]
        client = KeepAliveClient(url)
        unkeyed, keyed = _senders(client, sender, group)
        cold = _interleaved(pid, unkeyed, keyed, iterations)
        # Warm: closed-loop rounds until DynamoDB Local's JIT has compiled the send path.
        for _ in range(warm_rounds):
            _closed_loop(url, pairs, messages, keyed=False)
            _closed_loop(url, pairs, messages, keyed=True)
        warm = _interleaved(pid, unkeyed, keyed, iterations)
        rates = {
            "unkeyed": _closed_loop(url, pairs, messages, keyed=False),
            "keyed": _closed_loop(url, pairs, messages, keyed=True),
        }
        client.close()
        http.close()
        # The process's high-water mark: its sign-ups (a password hash each) and sends included.
        peak_rss = rss_kib(pid, "VmHWM")
    return {
        "start_seconds": round(start_seconds, 2),
        "ready_rss_mib": round(ready_rss / 1024, 1),
        "peak_rss_mib": round(peak_rss / 1024, 1),
        "cold": cold,
        "warm": warm,
        "cold_over_warm_p50": {
            kind: ratio(cold[kind]["p50_ms"], warm[kind]["p50_ms"]) for kind in ("unkeyed", "keyed")
        },
        "keyed_over_unkeyed": {
            "p50": ratio(warm["keyed"]["p50_ms"], warm["unkeyed"]["p50_ms"]),
            "cpu": ratio(warm["keyed"]["cpu_ms_per_send"], warm["unkeyed"]["cpu_ms_per_send"]),
        },
        "closed_loop": {"clients": clients, **rates},
    }


def _pair(http: httpx.Client) -> tuple[Account, str]:
    sender, receiver = sign_up(http, "up"), sign_up(http, "up")
    return sender, start(http, sender, receiver.user.handle, "hi")


def _senders(client: KeepAliveClient, sender: Account, group: str) -> tuple[Send, Send]:
    def unkeyed(index: int) -> object:
        body = {"message": f"unkeyed {index}", "message_group_uuid": group}
        return client.post("/api/messages", body, sender.auth)

    def keyed(index: int) -> object:
        body = {"message": f"keyed {index}", "message_group_uuid": group}
        headers = {**sender.auth, "Idempotency-Key": uuid.uuid4().hex}
        return client.post("/api/messages", body, headers)

    return unkeyed, keyed


def _interleaved(pid: int, unkeyed: Send, keyed: Send, iterations: int) -> dict[str, Any]:
    """Sequential sends in alternating blocks of ten; latency per send and the `cruddur up`
    process's CPU per block, each credited to its kind."""
    samples: dict[str, list[float]] = {"unkeyed": [], "keyed": []}
    cpu = {"unkeyed": 0.0, "keyed": 0.0}
    block = 10
    for first in range(0, iterations, block):
        for kind, send in (("unkeyed", unkeyed), ("keyed", keyed)):
            before = cpu_seconds(pid)
            samples[kind] += [timed(partial(send, i)) for i in range(first, first + block)]
            cpu[kind] += cpu_seconds(pid) - before
    return {
        kind: {
            **Summary.of(samples[kind]).as_dict(),
            "cpu_ms_per_send": round(cpu[kind] * 1000 / len(samples[kind]), 2),
        }
        for kind in samples
    }


def _closed_loop(
    url: str, pairs: list[tuple[Account, str]], messages: int, *, keyed: bool
) -> float:
    """Messages per second with one client per conversation, each sending when answered."""
    per_client = max(1, messages // len(pairs))

    def client_run(pair: tuple[Account, str]) -> None:
        client = KeepAliveClient(url)
        sends = _senders(client, *pair)[1 if keyed else 0]
        try:
            for index in range(per_client):
                sends(index)
        finally:
            client.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(len(pairs)) as pool:
        list(pool.map(client_run, pairs))
    return round(per_client * len(pairs) / (time.perf_counter() - started), 1)
