"""`cruddur up` as a user runs it: two instances side by side, demo sign-in, Ctrl-C, restart."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import boto3
import httpx

from cruddur import demo
from tests.processes import processes_owned_by

# DynamoDB Local's JIT, C1 only: each run here is short (a few requests), and this file starts
# the JVM seven times (the restart test four of them). C2 compiling the emulator's start-up is
# work whose result nobody waits for; C1 alone about halves the CPU of each start (~2.5 → ~1.3 s
# measured). It changes nothing `cruddur up` does: the flag reaches only the JVM it starts.
JIT = "-XX:TieredStopAtLevel=1"


def _spawn(
    data_dir: Path, stderr: IO[str] | None = None, options: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env["PYTHONUNBUFFERED"] = "1"
    env["JAVA_TOOL_OPTIONS"] = f"{env.get('JAVA_TOOL_OPTIONS', '')} {JIT}".strip()
    up = ["up", "--port", "0", "--data-dir", str(data_dir)]
    return subprocess.Popen(
        [sys.executable, "-m", "cruddur", *options, *up],
        stdout=subprocess.PIPE,
        stderr=stderr if stderr is not None else subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def _ready(process: subprocess.Popen[str]) -> tuple[str, list[str]]:
    """The API's address once `cruddur up` prints it, and the lines it printed until then."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"API at (http://127\.0\.0\.1:\d+)", line)
        if found:
            return found.group(1), lines
    process.kill()
    raise AssertionError(f"cruddur up did not start: {lines}")


def _start(
    data_dir: Path, stderr: IO[str] | None = None, options: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], str, list[str]]:
    process = _spawn(data_dir, stderr, options)
    url, lines = _ready(process)
    return process, url, lines


def _stop(process: subprocess.Popen[str], *, signalled: bool = False) -> str:
    if not signalled:
        process.send_signal(signal.SIGINT)  # what Ctrl-C does
    assert process.stdout is not None
    with process.stdout:
        out = process.stdout.read()  # through the buffer readline() filled: no line is lost
    assert process.wait(timeout=60) == 0
    assert not processes_owned_by(process.pid), "DynamoDB Local outlived cruddur up"
    return out


def _sign_in(url: str) -> dict[str, str]:
    login = {"handle": demo.ADA.handle, "password": demo.DEMO_PASSWORD}
    token = httpx.post(f"{url}/api/auth/login", json=login).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _raw_scan(lines: list[str]) -> str:
    """The table as anyone with read access sees it (boto3, none of our code), as one text."""
    endpoint = next(
        re.search(r"DynamoDB at (\S+);", line) for line in lines if "DynamoDB at" in line
    )
    assert endpoint is not None
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint.group(1),
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    items = client.scan(TableName="cruddur-messages")["Items"]
    assert len(items) > 20
    return json.dumps(items, default=repr)


def test_two_instances_side_by_side_then_ctrl_c_and_restart(tmp_path: Path):
    logged = (tmp_path / "one.stderr").open("w+")
    # Side by side from the first moment: both start at once (free ports, data dirs, metrics
    # ports chosen while the other is choosing its own), and neither waits for the other's start.
    first = _spawn(tmp_path / "one", logged, ("--log-format", "json"))
    second = _spawn(tmp_path / "two")
    try:
        first_url, first_lines = _ready(first)
        second_url, _ = _ready(second)
    except BaseException:
        first.kill()
        second.kill()
        raise
    try:
        assert first_url != second_url
        for url in (first_url, second_url):
            assert httpx.get(f"{url}/readyz").json() == {"status": "ready"}
        auth = _sign_in(first_url)
        inbox = httpx.get(f"{first_url}/api/message_groups", headers=auth).json()
        assert sorted(row["handle"] for row in inbox) == ["bruno", "chen"]
        sent = httpx.post(
            f"{first_url}/api/messages",
            json={"message": "kept across restarts", "handle": "dara"},
            headers=auth,
        )
        assert sent.status_code == 200
        group = sent.json()["message_group_uuid"]
        # What people wrote (the demo's and this one) is nowhere in clear in the table.
        scanned = _raw_scan(first_lines)
        assert "kept across" not in scanned
        for script in demo.SCRIPTS:
            for line in script.lines:
                assert line[:16] not in scanned
        # A session signed out stays signed out across the restart below.
        signed_out = _sign_in(first_url)
        assert httpx.post(f"{first_url}/api/auth/logout", headers=signed_out).status_code == 204
        # The other instance has its own data: that conversation is not there.
        other = httpx.get(f"{second_url}/api/messages/{group}", headers=_sign_in(second_url))
        assert other.status_code == 404
    finally:
        for process in (second, first):  # Ctrl-C in both terminals: they stop at once
            process.send_signal(signal.SIGINT)
        second_out = _stop(second, signalled=True)
        first_out = _stop(first, signalled=True)
    assert "stopped" in first_out
    # Every request's line reached the log by the time the process exited: lines are written
    # a block at a time, and an orderly stop writes the last block.
    with logged:
        logged.seek(0)
        lines = [json.loads(line) for line in logged if line.startswith("{")]
    routes = [(x["route"], x["status"]) for x in lines if x["logger"] == "cruddur.request"]
    assert routes.count(("/api/auth/login", 200)) == 2
    assert ("/api/messages", 200) in routes
    assert routes[-1] == ("/api/auth/logout", 204)  # the last one of all
    assert f"Demo sign-in: handle 'ada', password '{demo.DEMO_PASSWORD}'" in first_out
    assert "stopped" in second_out

    again, again_url, lines = _start(tmp_path / "one")
    try:
        assert not any("loaded" in line for line in lines)  # demo data is loaded once
        messages = httpx.get(f"{again_url}/api/messages/{group}", headers=_sign_in(again_url))
        assert [m["message"] for m in messages.json()] == ["kept across restarts"]
        assert httpx.get(f"{again_url}/api/me", headers=signed_out).status_code == 401
    finally:
        _stop(again)


def _wait_for(condition, what, ceiling: float = 120.0) -> None:
    deadline = time.monotonic() + ceiling
    while not condition():
        assert time.monotonic() < deadline, f"not within {ceiling:.0f} s: {what()}"
        time.sleep(0.05)


def _reads(url: str, auth: dict[str, str], group: str) -> list[str] | None:
    try:
        response = httpx.get(f"{url}/api/messages/{group}", headers=auth, timeout=5)
    except httpx.HTTPError:
        return None
    return [m["message"] for m in response.json()] if response.status_code == 200 else None


def test_up_restarts_a_dynamodb_local_that_died_and_gives_up_when_it_keeps_dying(
    tmp_path: Path,
):
    with (tmp_path / "up.stderr").open("w+") as said:
        process, url, _ = _start(tmp_path / "data", stderr=said)
        try:
            _restarts_then_gives_up(process, url, said)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
            assert process.stdout is not None
            process.stdout.close()
        said.seek(0)
        told = said.read()
    assert "DynamoDB Local exited (code -9); restarted it on the same data" in told
    assert "giving up" in told
    assert not processes_owned_by(process.pid)


def _inbox_answers(url: str, auth: dict[str, str]) -> bool:
    try:
        return httpx.get(f"{url}/api/message_groups", headers=auth, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _restarts_then_gives_up(process: subprocess.Popen[str], url: str, said: IO[str]) -> None:
    def told() -> str:
        return Path(said.name).read_text()

    auth = _sign_in(url)
    sent = httpx.post(
        f"{url}/api/messages", json={"message": "before the crash", "handle": "dara"},
        headers=auth,
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    (first,) = processes_owned_by(process.pid)
    os.kill(first, signal.SIGKILL)
    # Restarted on the same data: the API answers again and can write and read. (Whether an
    # item written just before a kill -9 survives is DynamoDB Local's to keep, not asserted.)
    _wait_for(lambda: _inbox_answers(url, auth), lambda: f"reads again; up said: {told()}")
    (second,) = processes_owned_by(process.pid)
    assert second != first
    again = httpx.post(
        f"{url}/api/messages", json={"message": "after", "handle": "dara"}, headers=auth
    )
    assert again.status_code == 200, again.text
    assert "after" in (_reads(url, auth, again.json()["message_group_uuid"]) or [])
    # Killed again and again, as soon as it is back: it gives up and exits 1, leaving nothing.
    while process.poll() is None:
        _wait_for(
            lambda: bool(processes_owned_by(process.pid)) or process.poll() is not None,
            lambda: f"a DynamoDB Local to kill; up said: {told()}",
        )
        restarts = told().count("restarted")
        for pid in processes_owned_by(process.pid):
            os.kill(pid, signal.SIGKILL)
        _wait_for(
            lambda r=restarts: process.poll() is not None or told().count("restarted") > r,
            lambda: f"a restart or the exit; up said: {told()}",
        )
    assert process.wait(timeout=120) == 1, told()
