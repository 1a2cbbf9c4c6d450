"""The `cruddur` command: one installed entry point for every operations task."""

from __future__ import annotations

import logging

import click

from cruddur.cli.cost import cost
from cruddur.cli.db import db
from cruddur.cli.ddb import ddb
from cruddur.cli.keys import keys
from cruddur.cli.serve import serve
from cruddur.cli.stream import stream
from cruddur.cli.up import up


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="How much the command logs (to stderr). Message bodies are never logged.",
)
@click.version_option(package_name="cruddur-messages")
def main(log_level: str) -> None:
    """Cruddur Messages: run the system, operate its DynamoDB table and stream.

    Start everything locally with `cruddur up`. Operations commands need an explicit target:
    --endpoint-url URL (or AWS_ENDPOINT_URL) for DynamoDB Local, or --prod for AWS.
    """
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("botocore", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


main.add_command(cost)
main.add_command(db)
main.add_command(ddb)
main.add_command(keys)
main.add_command(serve)
main.add_command(stream)
main.add_command(up)
