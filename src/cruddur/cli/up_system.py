"""What `cruddur up` runs while and after DynamoDB Local starts: the table, the users database,
the demo data, the API and the stream poller, supervised until Ctrl-C. Imported by `up` once the
JVM is launching, so Python's own start-up (these imports are most of it) overlaps the JVM's."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import click

from cruddur import bootstrap, demo, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.users.migrations import upgrade
from cruddur.api.server import ApiServer
from cruddur.app import create_app
from cruddur.bootstrap import Runtime
from cruddur.cli.common import (
    start_metrics,
)
from cruddur.config import Settings
from cruddur.heap import freeze_startup_heap
from cruddur.local.dynamodb_local import DynamoDBLocal, LauncherError, Supervisor
from cruddur.stream.runner import build_poller, start_in_thread

SUPERVISE_EVERY = 1.0  # seconds between looks at the DynamoDB Local it started
SWEEP_EVERY = 600.0  # seconds between sweeps of unattached uploads (the first at start)
log = logging.getLogger(__name__)


def run(
    settings: Settings, server: DynamoDBLocal | None, seed: bool, stop: threading.Event
) -> None:
    """The table, the users, the demo data, the API and the stream poller, until `stop`; the
    DynamoDB Local that `up` launched (if any) is supervised meanwhile."""
    _prepare(settings, seed)
    runtime = bootstrap.build_runtime(settings)
    api = ApiServer(
        create_app(settings, runtime), settings.host, settings.port, settings.trusted_proxies
    )
    thread, poller_stop = start_in_thread(build_poller(settings, hub=runtime.hub))
    with api:
        freeze_startup_heap()
        click.echo(f"DynamoDB at {settings.aws_endpoint_url}; stream poller running.")
        click.echo(f"Cruddur Messages API at {api.url}  (OpenAPI: {api.url}/docs)")
        click.echo(f"Metrics at {start_metrics(settings, 'api', by_default=True)}")
        if seed and settings.auth_mode == "local":
            click.echo(
                f"Demo sign-in: handle {demo.ADA.handle!r}, password {demo.DEMO_PASSWORD!r} "
                f"— open {api.url}/ in a browser, or POST {api.url}/api/auth/login"
            )
        click.echo("Ctrl-C stops everything.")
        try:
            _supervise(stop, server, _sweeper(runtime))
        finally:
            poller_stop.set()
            thread.join(timeout=10)


def _prepare(settings: Settings, seed: bool) -> None:
    """The table and the users schema, then the demo users and conversations (those missing)."""
    definition = dynamo_schema.table_definition(
        settings.table_name,
        settings.billing_mode,
        settings.read_capacity,
        settings.write_capacity,
    )
    dynamo_schema.create_table(AwsClients(settings).wire, definition)
    upgrade(settings.users_database_url)
    if seed:
        demo.seed_users(storage.build_users(settings))
        written = asyncio.run(_seed(settings))
        if written:
            click.echo(f"loaded {written} demo messages")


def _sweeper(runtime: Runtime) -> Callable[[], None]:
    """Every SWEEP_EVERY: uploads never attached and past their time leave the data dir (what
    the bucket's lifecycle rule does on AWS)."""
    files, due = runtime.local_files, time.monotonic()

    def sweep() -> None:
        nonlocal due
        if files is None or time.monotonic() < due:
            return
        due = time.monotonic() + SWEEP_EVERY
        removed = files.sweep(runtime.settings.attach_within_seconds)
        if removed:
            log.info("removed %d unattached uploads", removed)

    return sweep


def _supervise(
    stop: threading.Event, server: DynamoDBLocal | None, sweep: Callable[[], None]
) -> None:
    """Until Ctrl-C: restart the DynamoDB Local this command started if it dies (from this,
    the main thread, so it still dies with this process); exit 1 if it keeps dying; sweep."""
    supervisor = Supervisor(server) if server is not None else None
    while not stop.wait(SUPERVISE_EVERY):
        sweep()
        if supervisor is None:
            continue
        try:
            happened = supervisor.check()
        except LauncherError as exc:
            raise click.ClickException(str(exc)) from exc
        if happened:
            click.echo(happened, err=True)


async def _seed(settings: Settings) -> int:
    """The demo conversations, written before the API starts (in a loop of their own)."""
    store = storage.build_store(settings)
    try:
        return await demo.seed(bootstrap.build_messaging(settings, store))
    finally:
        await store.close()
