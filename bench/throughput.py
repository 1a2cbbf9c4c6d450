"""(2) Send throughput and stream lag over HTTP, with (5) the API process's peak memory.

Closed-loop clients (each sends its next message when the last one is answered) in growing
numbers: throughput rises until the system saturates, then only the queue grows — by Little's
law, each extra client adds its request to the wait of everyone else's. The lag is reported at
every point and judged at the knee: where more clients stop raising the throughput.

Each client sends into its own conversation. A watcher reads both inbox rows of every
conversation with a pending message (one BatchGetItem) and notes when both show it: the lag is
from the send's response to that moment.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.rig import Rig
from bench.stats import Summary
from bench.workload import Account, KeepAliveClient, send, sign_up, start
from cruddur import storage
from cruddur.adapters.dynamodb.attributes import to_attrs
from cruddur.domain import keys

WATCH_SECONDS = 0.05
# The knee: the fewest clients past which doubling them raises throughput by less than this
# factor. Past it, more clients add only queue (measured here: 2, 4 and 8 clients sent 97–126
# msg/s alike while the lag p99 went 121–236 → 173–259 → 265–349 ms). Not "within 90 % of the
# best": the best is one noisy sample, and a lucky 8-client run moved that knee to 8 clients.
KNEE_GAIN = 1.1


@dataclass
class Pending:
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_group: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    lags: list[float] = field(default_factory=list)

    def add(self, group: str, sort_key: str, answered_at: float) -> None:
        with self.lock:
            self.by_group.setdefault(group, []).append((sort_key, answered_at))


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def warm_up(
    rig: Rig, clients: int, messages: int, max_rounds: int, min_rounds: int = 6
) -> list[dict[str, Any]]:
    """Saturating rounds, not counted: at least `min_rounds`, then until DynamoDB Local's CPU
    per round settles (within 10 % of the round before), at most `max_rounds`.

    DynamoDB Local is a JVM: its JIT compiles the send and stream paths over the first few
    thousand messages. Measured here, its CPU per 800 messages fell from 6–11 s to 2.5–3.5 s
    over five to seven rounds, and the stream lag with it; a cold run measures the emulator's
    compiler, not our design. Two rounds in a row can agree while it is still falling, hence
    the minimum. Each round's figures stay in the results, so the trend stays visible."""
    rounds: list[dict[str, Any]] = []
    for _ in range(max_rounds):
        result = measure(rig, clients, messages)
        rounds.append(
            {
                "messages": result["messages"],
                "messages_per_second": result["messages_per_second"],
                "stream_lag_p99_ms": result["stream_lag"]["p99_ms"],
                "emulator_cpu_seconds": result["emulator_cpu_seconds"],
            }
        )
        if len(rounds) >= max(2, min(min_rounds, max_rounds)):
            before, now = (r["emulator_cpu_seconds"] for r in rounds[-2:])
            if abs(now - before) <= 0.1 * before:
                break
    return rounds


def sweep(rig: Rig, client_counts: Sequence[int], messages: int) -> list[dict[str, Any]]:
    """One measurement per number of clients, each of `messages` messages."""
    return [measure(rig, clients, messages) for clients in client_counts]


def knee(points: Sequence[dict[str, Any]], gain: float = KNEE_GAIN) -> dict[str, Any]:
    """The point after which more clients stop paying: the first (fewest clients) whose next
    point sends less than `gain` times as many messages per second; the last if none does."""
    ordered = sorted(points, key=lambda point: point["clients"])
    for point, following in itertools.pairwise(ordered):
        if following["messages_per_second"] / point["messages_per_second"] < gain:
            return point
    return ordered[-1]


def measure(rig: Rig, clients: int, messages: int, rate: float | None = None) -> dict[str, Any]:
    """Clients send as fast as they can, or together at `rate` messages per second (paced: lag
    under a load the machine sustains, rather than the queue that builds at saturation)."""
    pairs: list[tuple[Account, Account, str]] = []
    with httpx.Client(base_url=rig.api_url, timeout=30) as http:
        for _ in range(clients):
            sender, receiver = sign_up(http), sign_up(http)
            pairs.append((sender, receiver, start(http, sender, receiver.user.handle, "hi")))
        _warm_up(rig, http, pairs)
    pending, done = Pending(), threading.Event()
    poller_pid = rig.poller.pid if rig.poller is not None else None
    # Sampled during the run (the judged figure); VmHWM, since the process started, also holds
    # the sign-ups' password hashes above (19 MiB each while it runs, given back after).
    watched = [rig.api_pid, *([poller_pid] if poller_pid else [])]
    peak = [rss_kib(pid) for pid in watched]
    watcher = threading.Thread(target=_watch, args=(rig, pairs, pending, done, watched, peak))
    watcher.start()
    per_client = max(1, messages // clients)

    def client_run(number: int, pair: tuple[Account, Account, str]) -> None:
        sender, _, group = pair
        # urllib3, not httpx: the load generator shares the machine's two cores with the system
        # it measures, and httpx cost ~3.3 ms of CPU per send here, against ~1.4 ms on urllib3.
        http = KeepAliveClient(rig.api_url)
        try:
            for index in range(per_client):
                if rate is not None:  # client k sends its i-th at (i * clients + k) / rate
                    due = started + (index * clients + number) / rate
                    time.sleep(max(0.0, due - time.perf_counter()))
                sent = send(http, sender, group, f"throughput {index}")
                pending.add(group, f"{sent['created_at']}#{sent['uuid']}", time.perf_counter())
        finally:
            http.close()

    emulator_before, api_before = cpu_seconds(rig.emulator_pid), cpu_seconds(rig.api_pid)
    poller_before = cpu_seconds(poller_pid) if poller_pid else 0.0
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client_run, range(clients), pairs))
    elapsed = time.perf_counter() - started
    done.set()
    watcher.join(timeout=60)
    emulator_cpu = cpu_seconds(rig.emulator_pid) - emulator_before
    sent = per_client * clients
    # CPU per sent message from /proc, over the run and until the watcher saw the last one:
    # the API's share ends with the sends, the poller's once every inbox row shows them.
    api_cpu = cpu_seconds(rig.api_pid) - api_before
    poller_cpu = (cpu_seconds(poller_pid) - poller_before) if poller_pid else None
    lag = Summary.of(pending.lags)
    return {
        "clients": clients,
        "paced_rate": rate,
        "messages": sent,
        "seconds": round(elapsed, 3),
        "messages_per_second": round(sent / elapsed, 1),
        "stream_lag": lag.as_dict(),
        "lag_samples_ms": [round(x * 1000, 2) for x in pending.lags],
        "api_peak_rss_mib": round(peak[0] / 1024, 1),
        "api_rss_hwm_mib": round(rss_kib(rig.api_pid, "VmHWM") / 1024, 1),
        "poller_peak_rss_mib": round(peak[1] / 1024, 1) if poller_pid else None,
        # Until every inbox row shows the last message: the emulator's share of the whole job.
        "emulator_cpu_seconds": round(emulator_cpu, 2),
        "api_cpu_ms_per_message": round(api_cpu * 1000 / sent, 2),
        "poller_cpu_ms_per_message": None
        if poller_cpu is None
        else round(poller_cpu * 1000 / sent, 2),
    }


def _warm_up(rig: Rig, http: httpx.Client, pairs: list[tuple[Account, Account, str]]) -> None:
    """One message per conversation, waited for: the poller process has started and caught up
    before the clock runs, so its start-up (imports, DescribeStream) is not counted as lag."""
    wanted = {}
    for sender, _, group in pairs:
        sent = send(http, sender, group, "warm-up")
        wanted[group] = f"{sent['created_at']}#{sent['uuid']}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = _latest_both_rows(rig, pairs, set(wanted))
        if all(shown.get(group, "") >= sort_key for group, sort_key in wanted.items()):
            return
        time.sleep(0.05)
    raise RuntimeError("the stream poller did not catch up within 60 s")


def _watch(
    rig: Rig,
    pairs: list[tuple[Account, Account, str]],
    pending: Pending,
    done: threading.Event,
    watched: list[int],
    peak: list[int],
) -> None:
    deadline: float | None = None
    while True:
        for index, pid in enumerate(watched):
            peak[index] = max(peak[index], rss_kib(pid))
        with pending.lock:
            waiting = {
                group: list(entries) for group, entries in pending.by_group.items() if entries
            }
        if not waiting:
            if done.is_set():
                return
            time.sleep(0.002)
            continue
        if done.is_set():
            deadline = deadline or time.monotonic() + 30
            if time.monotonic() > deadline:
                return  # what never showed stays out of the lag figures (and shows in n)
        # A read every WATCH_SECONDS. The watcher is an observer on the system's bottleneck:
        # DynamoDB Local runs every request on one SQLite thread, and a 16-key read every 20 ms
        # cost it ~1 s of CPU per 800-message round (~25 %). Coarser reads only make the lag
        # read later (an upper bound, at most one interval late), never earlier.
        time.sleep(WATCH_SECONDS)
        latest = _latest_both_rows(rig, pairs, set(waiting))
        seen_at = time.perf_counter()
        with pending.lock:
            for group, entries in pending.by_group.items():
                shown = latest.get(group)
                if shown is None:
                    continue
                keep = [(sk, at) for sk, at in entries if sk > shown]
                pending.lags.extend(seen_at - at for sk, at in entries if sk <= shown)
                pending.by_group[group] = keep


def _latest_both_rows(
    rig: Rig, pairs: list[tuple[Account, Account, str]], groups: set[str]
) -> dict[str, str]:
    """Per group, the older of its two inbox rows' last_message_sk: what both rows show."""
    wanted = [
        to_attrs(keys.inbox_key(member.user.uuid, group))
        for sender, receiver, group in pairs
        if group in groups
        for member in (sender, receiver)
    ]
    direct = storage.build_table(rig.settings)  # a blocking look, between runs
    table = direct.name
    request = {
        table: {
            "Keys": wanted,
            "ConsistentRead": True,
            "ProjectionExpression": "message_group_uuid, last_message_sk",
        }
    }
    response = direct.call("BatchGetItem", {"RequestItems": request})
    shown: dict[str, list[str]] = {}
    for item in response["Responses"].get(table, []):
        group = item["message_group_uuid"]["S"]
        shown.setdefault(group, []).append(item["last_message_sk"]["S"])
    return {group: min(values) for group, values in shown.items() if len(values) == 2}
