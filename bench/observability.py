"""(1c) What logging and metrics cost a send, in the API's CPU: two `cruddur serve` processes
on the same table, one as production runs it (a JSON line per request to a file, every figure
kept, /metrics served and scraped, EMF lines), one with no request lines and no figures kept.
Sends go to each in turns, so whatever else the machine does lands on both alike; each
process's CPU time comes from /proc, before and after its turns. Two processes differ by a
few percent for no reason of their own (where the allocator put things; which started
first): the pair is started twice, in both orders, and the ratio is of the totals."""

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
from bench.workload import Account, KeepAliveClient, send, sign_up, start
from cruddur.errors import Unavailable

TURNS = 40
TICKS = os.sysconf("SC_CLK_TCK")


def measure(rig: Rig, work_dir: Path, sends: int) -> dict[str, Any]:
    with httpx.Client(base_url=rig.api_url, timeout=30) as setup:
        ada, bob = sign_up(setup), sign_up(setup)
        group = start(setup, ada, bob.user.handle, "first")
    cpu, lines, done = {"observed": 0.0, "bare": 0.0}, 0, 0
    for observed_first in (True, False):
        log = work_dir / f"observed-api-{observed_first}.log"
        with log.open("w") as log_file:
            # Both processes start at once (in this order), and neither waits for the other's
            # imports; what is measured begins once both are up.
            started = {}
            for name in ("observed", "bare") if observed_first else ("bare", "observed"):
                started[name] = _observed(rig, log_file) if name == "observed" else _bare(rig)
            try:
                pair = {name: _up(p, metrics=name == "observed") for name, p in started.items()}
                spent, done_here = _turns(pair, ada, group, sends // 2)
            finally:
                for process in started.values():
                    process.terminate()
                    process.wait(timeout=20)
        cpu = {name: cpu[name] + spent[name] for name in cpu}
        lines += sum(1 for _ in log.open())
        done += done_here
    per_send = {name: cpu[name] / done * 1000 for name in cpu}
    return {
        "sends_each": done,
        "cpu_ms_per_send": {name: round(value, 3) for name, value in per_send.items()},
        "ratio": round(per_send["observed"] / per_send["bare"], 3) if per_send["bare"] else None,
        "log_lines": lines,
    }


def _observed(rig: Rig, log_file: Any) -> subprocess.Popen[str]:
    """As production runs it: JSON lines, every figure, /metrics served, EMF lines."""
    return _serve(
        rig,
        ["--log-level", "INFO", "--log-format", "json"],
        ["--metrics-port", "0"],
        {"CRUDDUR_METRICS_EMF": "true"},
        log_file,
    )


def _bare(rig: Rig) -> subprocess.Popen[str]:
    return _serve(rig, ["--log-level", "WARNING"], [], {"CRUDDUR_METRICS_ENABLED": "false"}, None)


Served = tuple[subprocess.Popen[str], str, str | None]


def _serve(
    rig: Rig,
    before: list[str],
    after: list[str],
    env: dict[str, str],
    stderr: Any,
) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "cruddur", *before, "serve", *target_args(rig.settings)]
    return subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--port", "0", *after],
        stdout=subprocess.PIPE,
        stderr=stderr or subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        # One hash seed for both: dicts and sets laid out alike in the two processes.
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0", **BENCH_LIMITS, **env},
    )


def _up(process: subprocess.Popen[str], *, metrics: bool) -> Served:
    """The process and the addresses it prints once it serves: its API, and its /metrics if it
    serves them (`metrics`)."""
    assert process.stdout is not None
    api, scrape = None, None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if found := re.search(r"API at (http://\S+?) ", line):
            api = found.group(1)
            if not metrics:
                break
        if found := re.search(r"Metrics at (\S+)", line):
            scrape = found.group(1)
            break
    if api is None:
        process.kill()
        raise Unavailable("an API process of the observability step did not start")
    return process, api, scrape


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _turns(
    pair: dict[str, Served], ada: Account, group: str, sends: int
) -> tuple[dict[str, float], int]:
    """CPU seconds each process spent on `sends` sends in alternating turns; the sends each."""
    clients = {name: KeepAliveClient(url) for name, (_, url, _) in pair.items()}
    pids = {name: process.pid for name, (process, _, _) in pair.items()}
    scrape = pair["observed"][2]
    cpu = dict.fromkeys(clients, 0.0)
    turns = min(TURNS, max(1, sends))  # no more turns than sends: a turn is at least one send
    per_turn = max(1, sends // turns)
    for client in clients.values():  # warm both up alike
        for i in range(20):
            send(client, ada, group, f"warm-up {i}")
    try:
        for turn in range(turns):
            order = ("observed", "bare") if turn % 2 == 0 else ("bare", "observed")
            for name in order:
                before = _cpu_seconds(pids[name])
                for i in range(per_turn):
                    send(clients[name], ada, group, f"turn {turn} send {i}")
                cpu[name] += _cpu_seconds(pids[name]) - before
            if scrape is not None and turn % 5 == 0:
                httpx.get(scrape, timeout=10)  # a Prometheus scrape, now and then
    finally:
        for client in clients.values():
            client.close()
    return cpu, per_turn * turns
