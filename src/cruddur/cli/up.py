"""`cruddur up`: everything on one machine, with demo data, until Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from cruddur import bootstrap, demo, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.adapters.users.migrations import upgrade
from cruddur.api.server import ApiServer
from cruddur.app import create_app
from cruddur.bootstrap import Runtime
from cruddur.cli.common import (
    data_dir_option,
    handle_errors,
    metrics_option,
    settings_from,
    start_metrics,
    stop_on_signals,
)
from cruddur.cli.db import refuse_demo_users
from cruddur.cli.serve import listen_options
from cruddur.config import Settings
from cruddur.heap import freeze_startup_heap
from cruddur.local.dynamodb_local import DynamoDBLocal, LauncherError, Supervisor
from cruddur.stream.runner import build_poller, start_in_thread

SUPERVISE_EVERY = 1.0  # seconds between looks at the DynamoDB Local it started
SWEEP_EVERY = 600.0  # seconds between sweeps of unattached uploads (the first at start)
log = logging.getLogger(__name__)


@click.command()
@listen_options
@metrics_option
@data_dir_option
@click.option(
    "--ddb-port",
    type=int,
    default=None,
    help="Port of the DynamoDB Local it starts (default: a free one).",
)
@click.option(
    "--seed/--no-seed",
    default=True,
    show_default=True,
    help="Load the demo users and conversations on first start (only with a local users "
    "database: a SQLite file or a server on loopback).",
)
@handle_errors
def up(
    host: str | None,
    port: int | None,
    metrics_port: int | None,
    data_dir: Path | None,
    ddb_port: int | None,
    seed: bool,
) -> None:
    """Start everything on this machine: DynamoDB Local (unless AWS_ENDPOINT_URL is set), the
    table, the users database, the stream poller and the API (http://127.0.0.1:4567), with
    Prometheus metrics at http://127.0.0.1:9464/metrics.

    Data persists under DATA_DIR; run several instances side by side with different
    --data-dir and --port. Ctrl-C stops everything.

    Exit status: 0 stopped by Ctrl-C or SIGTERM; 1 DynamoDB Local would not start or kept
    dying; 2 a usage error (the demo data and a users database that is not local).
    """
    settings = settings_from(data_dir=data_dir, host=host, port=port, metrics_port=metrics_port)
    if seed:  # before anything starts: demo users never reach a database elsewhere
        refuse_demo_users(settings, prod=False, instead="; start with --no-seed")
    settings, server = _dynamodb(settings, ddb_port)
    stop = stop_on_signals()
    try:
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
    finally:
        if server is not None:
            server.stop()
    click.echo("stopped")


def _dynamodb(settings: Settings, port: int | None) -> tuple[Settings, DynamoDBLocal | None]:
    """DynamoDB Local under the data dir, started here, unless AWS_ENDPOINT_URL names one."""
    if settings.aws_endpoint_url is not None:
        return settings, None
    server = DynamoDBLocal(port=port, data_dir=Path(settings.data_dir) / "dynamodb")
    try:
        server.start()
    except LauncherError as exc:
        raise click.ClickException(str(exc)) from exc
    return settings.model_copy(update={"aws_endpoint_url": server.endpoint_url}), server


def _prepare(settings: Settings, seed: bool) -> None:
    """The table and the users schema, then the demo users and conversations (those missing)."""
    definition = dynamo_schema.table_definition(
        settings.table_name,
        settings.billing_mode,
        settings.read_capacity,
        settings.write_capacity,
    )
    dynamo_schema.create_table(AwsClients(settings).dynamodb(), definition)
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
