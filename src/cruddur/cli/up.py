"""`cruddur up`: everything on one machine, with demo data, until Ctrl-C.

The JVM of DynamoDB Local takes the longest to start, so it is launched first, before the
modules of the API, the stream and the users database are even imported (`up_system`), and
waited for only when the table is made.
"""

from __future__ import annotations

from pathlib import Path

import click

from cruddur.cli.common import (
    data_dir_option,
    handle_errors,
    listen_options,
    metrics_option,
    settings_from,
    stop_on_signals,
)
from cruddur.cli.demo_guard import refuse_demo_users
from cruddur.config import Settings
from cruddur.local.dynamodb_local import DynamoDBLocal, LauncherError


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
    settings, server = _launch_dynamodb(settings, ddb_port)
    stop = stop_on_signals()
    try:
        from cruddur.cli import up_system  # the rest of the system: imported while the JVM starts

        if server is not None:
            try:
                server.wait_until_ready()
            except LauncherError as exc:
                raise click.ClickException(str(exc)) from exc
        up_system.run(settings, server, seed, stop)
    finally:
        if server is not None:
            server.stop()
    click.echo("stopped")


def _launch_dynamodb(settings: Settings, port: int | None) -> tuple[Settings, DynamoDBLocal | None]:
    """DynamoDB Local under the data dir, launched here (not yet answering), unless
    AWS_ENDPOINT_URL names one."""
    if settings.aws_endpoint_url is not None:
        return settings, None
    server = DynamoDBLocal(port=port, data_dir=Path(settings.data_dir) / "dynamodb")
    try:
        server.launch()
    except LauncherError as exc:
        raise click.ClickException(str(exc)) from exc
    return settings.model_copy(update={"aws_endpoint_url": server.endpoint_url}), server
