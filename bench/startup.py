"""Step (7): start-up — from launching `cruddur up` to its first 200 on `/readyz`, beside Matrix
Synapse's launch to its first 200 on `/health`, in the same run on the same machine.

Seconds alone move with the machine; judged against another Python server's start taken in the
same run, the figure does not (the target: ready within 1.8× Synapse's start). The starts
alternate (`cruddur up`, Synapse, `cruddur up`, …) so that whatever else the machine does lands
on both alike; each is a fresh process, polled every 20 ms on 127.0.0.1:

- **first start**: a fresh data dir each (DynamoDB Local's files, the table and the users
  database; Synapse's SQLite schema), so each side does its first-start work;
- **restart**: the same again on the data dir the first start left.

Synapse, pinned (SYNAPSE), lives in a venv of its own under the user's cache, installed on first
use and never into the project's venv; its config is generated beforehand, untimed, and each
first start gets a fresh copy of it. If Synapse cannot be installed (offline), the step reports
no Synapse figure and the reason, and the benchmark goes on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.rig import BENCH_LIMITS, stop_process
from bench.stats import ratio
from cruddur.errors import Unavailable

SYNAPSE_VERSION = "1.163.2"
SYNAPSE = f"matrix-synapse=={SYNAPSE_VERSION}"
KINDS = ("first_start", "restart")
READY_TIMEOUT = 120.0  # seconds from launch to the first 200
POLL_EVERY = 0.02  # seconds between readiness requests
SETUP_TIMEOUT = 900.0  # seconds for each install or config step (a slow mirror)
ROOT = Path(__file__).resolve().parents[1]
API_LINE = re.compile(r"API at http://\S+?:(\d+)[/\s]")  # `up`'s start-up line
OVERRIDES = "bench-overrides.yaml"  # read after homeserver.yaml: its keys win

Times = dict[str, list[float]]  # seconds per run, by kind


class NotReady(Unavailable):
    """A server that exited, or did not answer 200 in time."""


class SetupFailed(Exception):
    """Synapse could not be installed or configured: the step goes on without it."""


@dataclass(frozen=True)
class Launch:
    command: list[str]
    env: dict[str, str]
    path: str  # the readiness endpoint
    port: int | None  # None: read from the "API at" line of its stdout
    logs: Path  # its stdout and stderr go to LOGS.out and LOGS.err


@dataclass(frozen=True)
class Synapse:
    python: Path
    template: Path  # the generated config dir, no database yet


def measure(work_dir: Path, runs: int, synapse: bool) -> dict[str, Any]:
    kit, reason = None, "left out by the plan"
    if synapse:
        try:
            kit = prepare_synapse(work_dir / "synapse-config")
        except SetupFailed as exc:
            reason = str(exc)
    up: Times = {kind: [] for kind in KINDS}
    other: Times | None = {kind: [] for kind in KINDS} if kit else None
    for run in range(runs):
        up_dir, synapse_dir = work_dir / f"up-{run}", work_dir / f"synapse-{run}"
        if kit is not None:
            fresh_synapse_dir(kit.template, synapse_dir)
        for kind in KINDS:  # the restart finds what the first start left
            up[kind].append(ready_seconds(_up(up_dir, work_dir / f"up-{run}-{kind}")))
            if kit is not None and other is not None:
                logs = work_dir / f"synapse-{run}-{kind}"
                other[kind].append(ready_seconds(_synapse(kit, synapse_dir, logs)))
    return summarize(up, other, reason)


def summarize(up: Times, synapse: Times | None, reason: str = "") -> dict[str, Any]:
    """Seconds per run and medians for each side, and `up`'s medians over Synapse's."""

    def side(times: Times) -> dict[str, Any]:
        return {
            "seconds": {kind: [round(s, 3) for s in times[kind]] for kind in KINDS},
            "median_seconds": {kind: round(statistics.median(times[kind]), 3) for kind in KINDS},
        }

    result: dict[str, Any] = {"runs": len(up["first_start"]), "up": side(up)}
    if synapse is None:
        result |= {"synapse": None, "reason": reason}
        result["up_over_synapse"] = dict.fromkeys(KINDS)
        return result
    ours, theirs = side(up)["median_seconds"], side(synapse)["median_seconds"]
    result |= {"synapse": {"version": SYNAPSE_VERSION, **side(synapse)}}
    result["up_over_synapse"] = {kind: round(ratio(ours[kind], theirs[kind]), 2) for kind in KINDS}
    return result


def ready_seconds(launch: Launch, timeout: float = READY_TIMEOUT) -> float:
    """Seconds from Popen to the first 200 of the readiness endpoint; the server is stopped then
    (SIGTERM, as the bench stops every process it starts)."""
    launch.logs.parent.mkdir(parents=True, exist_ok=True)
    out, err = launch.logs.with_suffix(".out"), launch.logs.with_suffix(".err")
    # The client first: its TLS context takes milliseconds to build, which would be timed.
    with httpx.Client(timeout=2.0, trust_env=False) as http, out.open("w") as o, err.open("w") as e:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our command, or Synapse's from its venv
            launch.command, stdin=subprocess.DEVNULL, stdout=o, stderr=e, env=launch.env, text=True
        )
        try:
            return _poll(process, launch, http, started, timeout)
        finally:
            stop_process(process)


def _poll(
    process: subprocess.Popen[str],
    launch: Launch,
    http: httpx.Client,
    started: float,
    timeout: float,
) -> float:
    port = launch.port
    while time.perf_counter() - started < timeout:
        if port is None:
            found = API_LINE.search(launch.logs.with_suffix(".out").read_text())
            port = int(found.group(1)) if found else None
        if port is not None and _answers(http, f"http://127.0.0.1:{port}{launch.path}"):
            return time.perf_counter() - started
        if process.poll() is not None:
            raise NotReady(_why(launch, f"exited with status {process.returncode}"))
        time.sleep(POLL_EVERY)
    raise NotReady(_why(launch, f"answered no 200 on {launch.path} within {timeout:.0f} s"))


def _answers(http: httpx.Client, url: str) -> bool:
    try:
        return http.get(url).status_code == 200
    except httpx.HTTPError:  # not listening yet, or reset while starting
        return False


def _why(launch: Launch, what: str) -> str:
    lines = _tail(launch.logs.with_suffix(".err")) or _tail(launch.logs.with_suffix(".out"))
    return f"`{' '.join(launch.command)}` {what}; its last output lines:\n{lines or '(none)'}"


def _tail(path: Path, count: int = 15) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.strip().splitlines()[-count:])


def _up(data_dir: Path, logs: Path) -> Launch:
    """`cruddur up` as bench.default_config starts it: its own DynamoDB Local, no demo data."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **BENCH_LIMITS}
    env.pop("AWS_ENDPOINT_URL", None)  # it starts its own DynamoDB Local, as `make run` does
    command = [sys.executable, "-m", "cruddur", "--log-level", "WARNING", "up", "--no-seed"]
    command += ["--port", "0", "--data-dir", str(data_dir)]
    return Launch(command, env, "/readyz", None, logs)


def _synapse(kit: Synapse, data_dir: Path, logs: Path) -> Launch:
    """Synapse on the config in DATA_DIR, listening on a free port of 127.0.0.1 only."""
    port = _free_port()
    overrides = data_dir / OVERRIDES
    overrides.write_text(json.dumps(synapse_overrides(data_dir, port), indent=2) + "\n")
    command = [str(kit.python), "-m", "synapse.app.homeserver"]
    command += ["--config-path", str(data_dir / "homeserver.yaml"), "--config-path", str(overrides)]
    return Launch(command, _clean_env(), "/health", port, logs)


def synapse_overrides(data_dir: Path, port: int) -> dict[str, Any]:
    """What replaces the generated config's listener and database (JSON is YAML): HTTP on
    127.0.0.1:PORT only, SQLite in DATA_DIR. Synapse reads its --config-path files in order,
    a later file's top-level keys replacing an earlier one's."""
    listener = {
        "port": port,
        "bind_addresses": ["127.0.0.1"],
        "type": "http",
        "tls": False,
        "x_forwarded": False,
        "resources": [{"names": ["client", "federation"], "compress": False}],
    }
    database = {"name": "sqlite3", "args": {"database": str(data_dir / "homeserver.db")}}
    return {"listeners": [listener], "database": database}


def fresh_synapse_dir(template: Path, target: Path) -> None:
    """A copy of the generated config dir, its paths moved to TARGET; no database, no media."""
    ignore = shutil.ignore_patterns("*.db*", "media_store", "*.log", "*.pid", OVERRIDES)
    shutil.copytree(template, target, ignore=ignore)
    for path in target.iterdir():
        if path.suffix in {".yaml", ".config"}:
            path.write_text(path.read_text().replace(str(template), str(target)))


def prepare_synapse(template: Path) -> Synapse:
    """Synapse installed (once) and its config generated in TEMPLATE, untimed."""
    python = synapse_python()
    template.mkdir(parents=True, exist_ok=True)
    generate = [str(python), "-m", "synapse.app.homeserver", "--server-name", "bench.localhost"]
    generate += ["--config-path", str(template / "homeserver.yaml"), "--generate-config"]
    _setup([*generate, "--report-stats=no"], env=_clean_env(), cwd=template)
    return Synapse(python, template)


def synapse_venv() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "cruddur" / f"bench-synapse-{SYNAPSE_VERSION}"


def synapse_python() -> Path:
    """The Python of Synapse's own venv, made and filled on first use (with the project's uv,
    else venv and pip). A venv that never finished its install is made again."""
    venv = synapse_venv()
    python, done = venv / "bin" / "python", venv / ".installed"
    if done.exists() and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    env = {**_clean_env(), "UV_PYTHON_DOWNLOADS": "never"}
    uv = ROOT / ".make" / "uv" / "bin" / "uv"
    if uv.exists():
        _setup([str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)], env=env)
        install = [str(uv), "pip", "install", "--quiet", "--python", str(python), SYNAPSE]
    else:
        _setup([sys.executable, "-m", "venv", str(venv)], env=env)
        install = [str(python), "-m", "pip", "install", "--quiet", SYNAPSE]
    _setup(install, env=env)
    done.write_text(SYNAPSE + "\n")
    return python


def _setup(command: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - installers and Synapse, by full path
            command,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=SETUP_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupFailed(f"`{' '.join(command)}`: {exc}") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise SetupFailed(f"`{' '.join(command)}` exited {result.returncode}: {tail}")


def _clean_env() -> dict[str, str]:
    """This environment without the project's venv or paths: Synapse runs from its own."""
    return {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
