"""`cruddur serve`: the HTTP API alone, against an explicit DynamoDB target."""

from __future__ import annotations

import click

from cruddur.api.server import ApiServer
from cruddur.app import create_app
from cruddur.cli.common import (
    data_dir_option,
    describe_target,
    listen_options,
    metrics_option,
    on_aws,
    start_metrics,
    stop_on_signals,
    with_target,
)
from cruddur.config import Settings
from cruddur.heap import freeze_startup_heap


@click.command()
@with_target(seals_text=True)
@listen_options
@metrics_option
@data_dir_option
@click.option(
    "--docs/--no-docs",
    "api_docs",
    default=None,
    help="Serve the interactive API docs at /docs [default: on, off with --prod unless "
    "CRUDDUR_API_DOCS is set].",
)
def serve(settings: Settings) -> None:
    """Run the HTTP API (no DynamoDB Local, no stream poller: see `cruddur up` for those).

    Everything else comes from the environment: DATABASE_URL, CRUDDUR_AUTH_MODE=cognito with
    COGNITO_USER_POOL_ID and COGNITO_USER_POOL_CLIENT_ID, CRUDDUR_CURSOR_SECRET (shared by all
    API processes behind one load balancer).
    """
    if (
        on_aws(settings) and "api_docs" not in settings.model_fields_set
    ):  # neither --docs nor the variable
        settings = settings.model_copy(update={"api_docs": False})
    stop = stop_on_signals()
    with ApiServer(
        create_app(settings), settings.host, settings.port, settings.trusted_proxies
    ) as server:
        freeze_startup_heap()  # the app and its clients are built: started means built
        metrics = start_metrics(settings, "api")
        click.echo(f"API at {server.url} ({describe_target(settings)}). Ctrl-C stops it.")
        if metrics:
            click.echo(f"Metrics at {metrics}")
        stop.wait()
    click.echo("stopped")
