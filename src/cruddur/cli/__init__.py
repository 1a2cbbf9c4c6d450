"""The `cruddur` command: one installed entry point for every operations task."""

from __future__ import annotations

import importlib

import click

from cruddur import logs
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
    "users": "cruddur.cli.users",
}


class LazyGroup(click.Group):
    """click's documented pattern for lazily loaded subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Whether the command targets production, known before its own options are parsed:
        # the log format defaults to JSON there.
        ctx.meta["cruddur.prod"] = "--prod" in args
        return super().parse_args(ctx, args)

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
@click.option(
    "--log-format",
    type=click.Choice(logs.FORMATS),
    envvar="CRUDDUR_LOG_FORMAT",
    default=None,
    help="One JSON object a line (for CloudWatch Logs and log shippers) or text for a "
    "terminal [default: json with --prod, else text; env CRUDDUR_LOG_FORMAT].",
)
@click.version_option(package_name="cruddur-messages")
@click.pass_context
def main(ctx: click.Context, log_level: str, log_format: str | None) -> None:
    """Cruddur Messages: run the system, operate its DynamoDB table and stream.

    Start everything locally with `cruddur up`. Operations commands need an explicit target:
    --endpoint-url URL (or AWS_ENDPOINT_URL) for DynamoDB Local, or --prod for AWS.

    Exit status: 0 done; 1 an error; 2 a usage error; 3 finished with work left over
    (`ddb repair-inboxes`, `stream redrive`: what was left is listed).
    """
    if log_format is None:
        log_format = "json" if ctx.meta.get("cruddur.prod") else "text"
    logs.configure(log_level, log_format)
    tune_malloc()
