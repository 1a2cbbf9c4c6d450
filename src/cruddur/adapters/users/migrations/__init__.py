"""Alembic migrations of the users database, run by `cruddur db schema-load` and `cruddur up`.

Alembic is imported only when there is a migration to run: it and what it brings (Mako,
Pygments) cost a process ~8 MiB of RSS and ~0.4 s of imports. A database already at HEAD, which
every start but the first finds, needs none of it; a new, empty one gets today's tables from
`schema.metadata` and is stamped at HEAD, as Alembic's own guide builds an up-to-date database
from scratch (a test holds the two ways to the same schema).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cruddur.adapters.users.schema import metadata

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
# The newest revision under versions/ (tests/integration/test_users.py holds it to alembic's).
HEAD = "0001"


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    # Alembic's config is ConfigParser-based: a literal % must be doubled.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (alembic's own table), without alembic; None if none."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            found = connection.execute(text("SELECT version_num FROM alembic_version"))
            return next((str(row[0]) for row in found), None)
    finally:
        engine.dispose()


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision; a no-op when it already is."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)  # a fresh data directory
    if current_revision(database_url) == HEAD:
        return
    if create_at_head(database_url):
        return
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def create_at_head(database_url: str) -> bool:
    """Today's tables in a database that has none, stamped at HEAD; False (nothing done) when it
    has any table."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            if inspect(connection).get_table_names():
                return False
            metadata.create_all(connection)
            connection.execute(text(_VERSION_TABLE))
            connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": HEAD})
        return True
    except DBAPIError:
        # Two processes starting on one new database: the other made it meanwhile.
        if current_revision(database_url) == HEAD:
            return True
        raise
    finally:
        engine.dispose()


# Alembic's own table, as it makes it.
_VERSION_TABLE = (
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
    " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)
