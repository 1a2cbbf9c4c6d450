"""Demo users sign in with a published password: the one rule of where they may go (a users
database on this machine), asked by `db setup --demo`, `db seed` and `cruddur up` before they
start anything. Light on purpose: `up` asks it before it launches DynamoDB Local."""

from __future__ import annotations

import ipaddress

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cruddur.config import Settings


def describe_database(settings: Settings) -> str:
    """Where the database is, without its user, password or query (which may hold one)."""
    try:
        url = make_url(settings.users_database_url)
    except ArgumentError:
        return "an unreadable DATABASE_URL"
    port = f":{url.port}" if url.port else ""
    return f"{url.drivername}://{url.host or ''}{port}/{url.database or ''}"


def refuse_demo_users(settings: Settings, *, prod: bool, instead: str = "") -> None:
    """Demo users sign in with a published password: they exist only on a database on this
    machine. `cruddur up` asks the same before it seeds (`instead`: what to do then)."""
    if prod:
        raise click.UsageError("demo users do not go to production (--prod)")
    if not is_local_database(settings.users_database_url):
        raise click.UsageError(
            f"demo users (their password is published) go only to a local users database, a "
            f"SQLite file or a server on a loopback address; DATABASE_URL points at "
            f"{describe_database(settings)}{instead}"
        )


def is_local_database(url: str) -> bool:
    """A SQLite database, or a server named by a loopback address (or `localhost`) in every
    place the driver reads a host from. A URL without a host is not local: the driver then
    connects where PGHOST or a service file says, which this cannot see."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    if parsed.get_backend_name() == "sqlite":
        return True
    hosts = [parsed.host] if parsed.host else []
    for name in ("host", "hostaddr"):  # the query's win over the URL's host (libpq)
        given = parsed.query.get(name, ())
        for value in [given] if isinstance(given, str) else given:
            hosts += value.split(",")
    return bool(hosts) and all(_loopback(host.strip()) for host in hosts)


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
