"""`cruddur ddb …`: the table's operations. Every command prints the capacity it consumed.

This module holds the group and the table's own administration (create, list, drop); the
other commands live in modules of their own: ddb_local (DynamoDB Local), ddb_dumps (scan,
get-conversation, list-conversations), ddb_seed, ddb_repair (repair-inboxes)."""

from __future__ import annotations

import sys

import click

from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.cli.common import describe_target, with_target
from cruddur.cli.ddb_dumps import get_conversation, list_conversations, scan
from cruddur.cli.ddb_local import local
from cruddur.cli.ddb_repair import repair_inboxes
from cruddur.cli.ddb_seed import seed
from cruddur.config import Settings


@click.group()
def ddb() -> None:
    """Operate the DynamoDB table: create, inspect, seed, drop; run DynamoDB Local."""


@ddb.command("schema-load")
@with_target()
def schema_load(settings: Settings) -> None:
    """Create the table (keys, GSI inbox-by-recency, stream). Harmless if it exists."""
    definition = dynamo_schema.table_definition(
        settings.table_name, settings.billing_mode, settings.read_capacity, settings.write_capacity
    )
    created = dynamo_schema.create_table(AwsClients(settings).wire, definition)
    state = "created" if created else "already exists with the expected schema"
    click.echo(f"{describe_target(settings)}: {state}")


@ddb.command("list-tables")
@with_target()
def list_tables(settings: Settings) -> None:
    """List the tables at the target."""
    for name in dynamo_schema.table_names(AwsClients(settings).wire):
        click.echo(name)


@ddb.command("drop")
@with_target()
@click.option("--yes", is_flag=True, help="Do not ask: drop the table.")
def drop(settings: Settings, yes: bool) -> None:
    """Delete the table and every message in it. Asks first unless --yes."""
    target = describe_target(settings)
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"refusing to drop {target} without --yes: "
                "stdin is not a terminal, so nobody can confirm"
            )
        click.confirm(f"Drop {target}? Every message in it is deleted.", abort=True)
    dynamo_schema.drop_table(AwsClients(settings).wire, settings.table_name)
    click.echo(f"dropped {target}")


# The rest hold jobs of their own; the group is where every one of them is named.
for command in (local, scan, get_conversation, list_conversations, seed, repair_inboxes):
    ddb.add_command(command)
