"""The system under measurement: a fresh in-memory DynamoDB Local, the API (`cruddur serve`) and
the stream poller (`cruddur stream run`) as their own processes, as in production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cruddur import bootstrap, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.users.migrations import upgrade
from cruddur.config import Settings
from cruddur.errors import Unavailable
from cruddur.local.dynamodb_local import DynamoDBLocal


@dataclass
class Rig:
    settings: Settings
    store: ConversationTable
    api_url: str
    api_pid: int
    emulator_pid: int
    poller: subprocess.Popen[str] | None = None

    def start_poller(self) -> None:
        """The stream poller joins for the measurements that need it (throughput and lag). In
        production it runs elsewhere (Lambda); here it would only share the API's two cores
        while request latencies are measured."""
        if self.poller is None:
            self.poller = _child(["stream", "run", *target_args(self.settings)])

    def stop_poller(self) -> None:
        """For a step that follows the stream with a poller of its own (3b): this one's
        checkpoint stays in the data dir, so the two never apply a batch both."""
        if self.poller is not None:
            stop_process(self.poller)
            self.poller = None


def target_args(settings: Settings) -> list[str]:
    assert settings.aws_endpoint_url is not None
    return [
        "--endpoint-url",
        settings.aws_endpoint_url,
        "--table",
        settings.table_name,
        "--data-dir",
        str(settings.data_dir),
    ]


BENCH_LIMITS = {
    "CRUDDUR_LIMIT_SEND_PER_MINUTE": "10000000",
    "CRUDDUR_LIMIT_SIGNUPS_PER_HOUR": "10000000",
    "CRUDDUR_LIMIT_LOGINS_PER_ADDRESS": "10000000",
}


def _child(args: list[str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "cruddur", "--log-level", "WARNING", *args]
    # A load test is one user sending far faster than any person: lift the per-user limits,
    # or the bench would measure 429s.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **BENCH_LIMITS}
    return subprocess.Popen(  # noqa: S603 - our own command
        command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env
    )


def _api_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(r"API at (http://\S+?) ", line)
        if found:
            return found.group(1)
    raise Unavailable("the API process did not start")


def stop_process(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


@contextmanager
def emulator(settings: Settings, *, fresh: bool) -> Iterator[str]:
    """The endpoint a step loads its own tables into: a fresh in-memory DynamoDB Local of its own
    (`fresh`), or the rig's. A full run's rig holds the scaling step's 100,000 items by then, and
    an emulator that large loads and scans several times slower than a fresh one; a tiny run's
    holds a few hundred, and a JVM started for each step would be most of the step."""
    if not fresh:
        assert settings.aws_endpoint_url is not None
        yield settings.aws_endpoint_url
        return
    with DynamoDBLocal() as server:
        yield server.endpoint_url


@contextmanager
def rig(work_dir: Path) -> Iterator[Rig]:
    with DynamoDBLocal() as server:
        settings = Settings(
            aws_endpoint_url=server.endpoint_url,
            data_dir=work_dir / "data",
            table_name="cruddur-messages",
        )
        store = storage.build_store(settings, meter=CapacityMeter())
        definition = dynamo_schema.table_definition(settings.table_name)
        dynamo_schema.create_table(AwsClients(settings).wire, definition)
        upgrade(settings.users_database_url)
        bootstrap.cursor_secret(settings)  # made once here, shared with the API process
        api = _child(["serve", *target_args(settings), "--port", "0"])
        assert server.process is not None
        system = Rig(settings, store, _api_url(api), api.pid, server.process.pid)
        try:
            yield system
        finally:
            if system.poller is not None:
                stop_process(system.poller)
            stop_process(api)
