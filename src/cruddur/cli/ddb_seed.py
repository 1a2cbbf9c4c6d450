"""`cruddur ddb seed`: the demo users' conversations, written to a local table."""

from __future__ import annotations

import dataclasses

import click

from cruddur import bootstrap, demo
from cruddur.cli.common import data_dir_option, on_aws, with_target
from cruddur.cli.ddb_store import open_store, report, run_closing
from cruddur.cli.progress import counting_messages, progress
from cruddur.config import Settings


@click.command("seed")
@with_target()
@data_dir_option
def seed(settings: Settings) -> None:
    """Write the demo users' conversations (skips the ones already there)."""
    if on_aws(settings):
        raise click.UsageError("demo data does not go to production")
    store = open_store(settings)
    with progress("seed", unit="messages") as shown:
        messaging = bootstrap.build_messaging(settings, store)
        counted = dataclasses.replace(messaging, store=counting_messages(store, shown))
        written = run_closing(store, lambda: demo.seed(counted))
    click.echo(f"seeded {written} messages")
    report(store.table.meter)
