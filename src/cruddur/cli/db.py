"""`cruddur db …`: the users directory (SQLite by default, PostgreSQL through DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

import click

from cruddur import demo, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.users.migrations import upgrade
from cruddur.cli.common import F, data_dir_option, handle_errors, setting_option, settings_from
from cruddur.cli.demo_guard import describe_database, refuse_demo_users
from cruddur.config import Settings
from cruddur.services.cognito_link import link_cognito_users


@click.group()
def db() -> None:
    """Create and migrate the users database; demo users on a local one."""


def _settings(data_dir: Path | None) -> Settings:
    return settings_from(data_dir=data_dir)


@db.command("schema-load")
@data_dir_option
@handle_errors
def schema_load(data_dir: Path | None) -> None:
    """Apply the Alembic migrations (a no-op when the schema is current)."""
    settings = _settings(data_dir)
    upgrade(settings.users_database_url)
    click.echo(f"users schema is current at {describe_database(settings)}")


def prod_option(func: F) -> F:
    return click.option(
        "--prod",
        is_flag=True,
        help="The production users database (DATABASE_URL): logs as JSON; demo users refused.",
    )(func)


@db.command("seed")
@data_dir_option
@prod_option
@handle_errors
def seed(data_dir: Path | None, prod: bool) -> None:
    """Create the demo users that are missing. Their password is published: refused with
    --prod and on any database but a local one (a SQLite file, or a server on a loopback
    address), with exit status 2."""
    settings = _settings(data_dir)
    refuse_demo_users(settings, prod=prod)
    created = demo.seed_users(storage.build_users(settings))
    click.echo(f"created {created} demo users")


@db.command("setup")
@data_dir_option
@click.option(
    "--demo",
    "demo_users",
    is_flag=True,
    help="Then create the demo users (published password): only on a local database, "
    "never with --prod.",
)
@prod_option
@click.pass_context
@handle_errors
def setup(ctx: click.Context, data_dir: Path | None, demo_users: bool, prod: bool) -> None:
    """Migrate the users database (as schema-load); with --demo, then seed.

    Without --demo it only migrates, whatever the database. --demo is refused (exit status 2,
    before anything is changed) with --prod or when DATABASE_URL is not local: a SQLite file,
    or a server on a loopback address.
    """
    if demo_users:  # before the migrations: a refused command changes nothing
        refuse_demo_users(_settings(data_dir), prod=prod)
    ctx.invoke(schema_load, data_dir=data_dir)
    if demo_users:
        ctx.invoke(seed, data_dir=data_dir, prod=prod)


@db.command("update-cognito-user-ids")
@setting_option(
    "--user-pool-id", field="cognito_user_pool_id", help="The Cognito user pool (required)."
)
@setting_option(
    "--endpoint-url",
    field="cognito_endpoint_url",
    metavar="URL",
    help="Cognito at another address, e.g. an emulator; never AWS_ENDPOINT_URL, which is"
    " DynamoDB's.",
)
@data_dir_option
@handle_errors
def update_cognito_user_ids(
    cognito_user_pool_id: str | None, cognito_endpoint_url: str | None, data_dir: Path | None
) -> None:
    """Link every Cognito user to the Cruddur user whose handle is its preferred_username.

    Pages through the pool's ListUsers (in the pool's region, read from its id) and stores each
    `sub` in users.cognito_user_id, so Cognito access tokens resolve to Cruddur users. A link
    is never replaced: a user linked to another sign-in, or a handle two Cognito users claim
    (case aside), is refused and reported; the command then exits 1. Safe to run again.
    """
    settings = settings_from(
        data_dir=data_dir,
        cognito_user_pool_id=cognito_user_pool_id,
        cognito_endpoint_url=cognito_endpoint_url,
    )
    if not settings.cognito_user_pool_id:
        raise click.UsageError("which pool? pass --user-pool-id or set COGNITO_USER_POOL_ID")
    report = link_cognito_users(
        AwsClients(settings).cognito(),
        settings.cognito_user_pool_id,
        storage.build_users(settings),
    )
    click.echo(f"linked {report.linked} users")
    if report.unmatched:
        click.echo(
            f"{len(report.unmatched)} Cognito users match no Cruddur handle: "
            + ", ".join(sorted(report.unmatched)[:20])
        )
    if report.no_username:
        click.echo(f"{report.no_username} Cognito users have no preferred_username (skipped)")
    if report.conflicts:
        for line in report.conflicts:
            click.echo(f"refused: {line}", err=True)
        raise click.ClickException(f"{len(report.conflicts)} links refused (see above)")
