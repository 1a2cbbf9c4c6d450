"""The `cruddur` command: one installed entry point for every operations task."""

from __future__ import annotations

import importlib
import logging

import click

from cruddur.heap import tune_malloc

# Each command's module, imported when the command is named: `cruddur serve` then carries
# neither alembic (db, up), boto3's types (ddb) nor the price table (cost) for its lifetime.
COMMANDS = {
    "cost": "cruddur.cli.cost",
    "db": "cruddur.cli.db",
    "ddb": "cruddur.cli.ddb",
    "keys": "cruddur.cli.keys",
    "serve": "cruddur.cli.serve",
    "stream": "cruddur.cli.stream",
    "up": "cruddur.cli.up",
}


class LazyGroup(click.Group):
    """click's documented pattern for lazily loaded subcommands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command = getattr(importlib.import_module(COMMANDS[cmd_name]), cmd_name)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    tune_malloc()
