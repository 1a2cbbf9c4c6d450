"""(1c) What logging and metrics cost a send, in the API's CPU: two `cruddur serve` processes
on the same table, one as production runs it (a JSON line per request to a file, every figure
kept, /metrics served and scraped, EMF lines), one with no request lines and no figures kept.
Sends go to each in turns, so whatever else the machine does lands on both alike; each
process's CPU time comes from /proc, before and after its turns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.rig import BENCH_LIMITS, Rig, target_args
from bench.workload import KeepAliveClient, send, sign_up, start
from cruddur.errors import Unavailable

TURNS = 20
TICKS = os.sysconf("SC_CLK_TCK")


def measure(rig: Rig, work_dir: Path, sends: int) -> dict[str, Any]:
    observed_log = work_dir / "observed-api.log"
    with observed_log.open("w") as log_file:
        observed = _serve(
            rig,
            ["--log-level", "INFO", "--log-format", "json"],
            ["--metrics-port", "0"],
            {"CRUDDUR_METRICS_EMF": "true"},
            log_file,
        )
        bare = _serve(
            rig, ["--log-level", "WARNING"], [], {"CRUDDUR_METRICS_ENABLED": "false"}, None
        )
        try:
            return _turns(rig, observed, bare, sends, observed_log)
        finally:
            for process, _, _ in (observed, bare):
                process.terminate()
                process.wait(timeout=20)


Served = tuple[subprocess.Popen[str], str, str | None]


def _serve(
    rig: Rig,
    before: list[str],
    after: list[str],
    env: dict[str, str],
    stderr: Any,
) -> Served:
    command = [sys.executable, "-m", "cruddur", *before, "serve", *target_args(rig.settings)]
    process = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--port", "0", *after],
        stdout=subprocess.PIPE,
        stderr=stderr or subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **BENCH_LIMITS, **env},
    )
    assert process.stdout is not None
    api, metrics = None, None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if found := re.search(r"API at (http://\S+?) ", line):
            api = found.group(1)
            if not after:
                break
        if found := re.search(r"Metrics at (\S+)", line):
            metrics = found.group(1)
            break
    if api is None:
        process.kill()
        raise Unavailable("an API process of the observability step did not start")
    return process, api, metrics


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _turns(rig: Rig, observed: Served, bare: Served, sends: int, log: Path) -> dict[str, Any]:
    with httpx.Client(base_url=rig.api_url, timeout=30) as setup:
        ada, bob = sign_up(setup), sign_up(setup)
        group = start(setup, ada, bob.user.handle, "first")
    clients = {"observed": KeepAliveClient(observed[1]), "bare": KeepAliveClient(bare[1])}
    pids = {"observed": observed[0].pid, "bare": bare[0].pid}
    cpu = dict.fromkeys(clients, 0.0)
    per_turn = max(1, sends // TURNS)
    for client in clients.values():  # warm both up alike
        for i in range(20):
            send(client, ada, group, f"warm-up {i}")
    try:
        for turn in range(TURNS):
            order = ("observed", "bare") if turn % 2 == 0 else ("bare", "observed")
            for name in order:
                before = _cpu_seconds(pids[name])
                for i in range(per_turn):
                    send(clients[name], ada, group, f"turn {turn} send {i}")
                cpu[name] += _cpu_seconds(pids[name]) - before
            if observed[2] is not None and turn % 5 == 0:
                httpx.get(observed[2], timeout=10)  # a Prometheus scrape, now and then
    finally:
        for client in clients.values():
            client.close()
    total = per_turn * TURNS
    per_send = {name: cpu[name] / total * 1000 for name in cpu}
    lines = sum(1 for _ in log.open())
    return {
        "sends_each": total,
        "cpu_ms_per_send": {name: round(value, 3) for name, value in per_send.items()},
        "ratio": round(per_send["observed"] / per_send["bare"], 3) if per_send["bare"] else None,
        "log_lines": lines,
    }
