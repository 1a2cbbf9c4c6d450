"""The users directory on SQLite and on a real PostgreSQL (127.0.0.1:5432), migrated by Alembic."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect, text

from cruddur.adapters.migrations import upgrade
from cruddur.adapters.users import UsersDirectory, make_engine
from cruddur.errors import Conflict, Invalid, NotFound

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"cruddur_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def directory(request, tmp_path: Path) -> Iterator[UsersDirectory]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    upgrade(url)  # migrating twice is a no-op
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users"))
    yield UsersDirectory(engine)
    engine.dispose()


def test_migration_creates_the_table_with_unique_columns(directory):
    inspector = inspect(directory.engine)
    columns = {c["name"] for c in inspector.get_columns("users")}
    assert columns == {
        "uuid",
        "handle",
        "display_name",
        "email",
        "cognito_user_id",
        "password_hash",
        "created_at",
    }


def test_create_and_find_case_insensitively(directory):
    user = directory.create("@Ada_Q", "  Ada   Quill ", "Ada@Example.org")
    assert (user.handle, user.display_name, user.email) == ("ada_q", "Ada Quill", "ada@example.org")
    assert directory.by_handle("ADA_Q") == user
    assert directory.by_uuid(user.uuid) == user
    assert directory.by_login("ada@EXAMPLE.org") == user
    assert directory.by_login("@ada_q") == user
    assert directory.by_login("nobody") is None


@pytest.mark.parametrize(
    ("field", "second"),
    [
        ("handle", ("ADA", "Other", "other@example.org")),
        ("email", ("other", "Other", "ADA@example.org")),
    ],
)
def test_duplicates_conflict_on_the_right_field(directory, field, second):
    directory.create("ada", "Ada", "ada@example.org")
    with pytest.raises(Conflict) as caught:
        directory.create(*second)
    assert caught.value.field == field
    assert directory.count() == 1


@pytest.mark.parametrize(
    ("handle", "name", "email", "field"),
    [
        ("a", "A", "a@example.org", "handle"),
        ("has space", "A", "a@example.org", "handle"),
        ("x" * 33, "A", "a@example.org", "handle"),
        ("robert'); drop", "A", "a@example.org", "handle"),
        ("valid", "   ", "a@example.org", "display_name"),
        ("valid", "A", "not-an-email", "email"),
    ],
)
def test_invalid_input_is_refused_before_writing(directory, handle, name, email, field):
    with pytest.raises(Invalid) as caught:
        directory.create(handle, name, email)
    assert caught.value.field == field
    assert directory.count() == 0


def test_cognito_link(directory):
    user = directory.create("bruno", "Bruno", "bruno@example.org")
    assert directory.link_cognito("Bruno", "sub-123") is True
    assert directory.link_cognito("ghost_user", "sub-456") is False
    linked = directory.by_cognito_sub("sub-123")
    assert linked is not None
    assert linked.uuid == user.uuid
    with pytest.raises(NotFound):
        directory.by_handle("ghost_user")


def test_search_finds_by_handle_prefix_or_name_and_treats_wildcards_literally(directory):
    directory.create("ada_q", "Ada Quill", "adaq@example.org")
    directory.create("adam", "Adam Stone", "adam@example.org")
    directory.create("zed", "Zed Adair", "zed@example.org")
    directory.create("a_b_c", "Percent 100%", "abc@example.org")
    assert [u.handle for u in directory.search("ada")] == ["ada_q", "adam", "zed"]
    assert [u.handle for u in directory.search("@ADAM")] == ["adam"]
    assert [u.handle for u in directory.search("quill")] == ["ada_q"]
    assert [u.handle for u in directory.search("a_b")] == ["a_b_c"]  # "_" is not a wildcard
    assert [u.handle for u in directory.search("100%")] == ["a_b_c"]
    assert directory.search("%") == [u for u in directory.search("%") if "%" in u.display_name]
    assert directory.search("   ") == []
