"""`cruddur db …`: the users directory (SQLite by default, PostgreSQL through DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

import click

from cruddur import bootstrap, demo
from cruddur.adapters.migrations import upgrade
from cruddur.cli.common import data_dir_option, handle_errors
from cruddur.config import Settings


@click.group()
def db() -> None:
    """Create, migrate and seed the users database."""


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


def _describe(settings: Settings) -> str:
    url = settings.users_database_url
    return url.split("@")[-1] if "@" in url else url  # never print a password


@db.command("schema-load")
@data_dir_option
@handle_errors
def schema_load(data_dir: Path) -> None:
    """Apply the Alembic migrations (a no-op when the schema is current)."""
    settings = _settings(data_dir)
    upgrade(settings.users_database_url)
    click.echo(f"users schema is current at {_describe(settings)}")


@db.command("seed")
@data_dir_option
@handle_errors
def seed(data_dir: Path) -> None:
    """Create the demo users that are missing."""
    created = demo.seed_users(bootstrap.build_users(_settings(data_dir)))
    click.echo(f"created {created} demo users")


@db.command("setup")
@click.pass_context
@data_dir_option
def setup(ctx: click.Context, data_dir: Path) -> None:
    """schema-load, then seed."""
    ctx.invoke(schema_load, data_dir=data_dir)
    ctx.invoke(seed, data_dir=data_dir)
