"""The users directory on SQLite and on a real PostgreSQL (the session's: session_services.py),
migrated by Alembic."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from cruddur.adapters.users.directory import UsersDirectory, make_engine
from cruddur.adapters.users.migrations import HEAD, upgrade
from cruddur.errors import Conflict, Invalid, NotFound


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


@pytest.mark.parametrize("nul", ["\x00", "\x00%", "a\x00"])
def test_control_characters_never_reach_the_database_on_either(directory, nul: str):
    # Defect (issue 14): a NUL came back from PostgreSQL as a 500, and cut SQLite's LIKE
    # pattern short, listing users. Both refuse it now, before any SQL.
    directory.create("ada_text", "Ada", "ada@example.org")
    calls: tuple[Callable[[], object], ...] = (
        lambda: directory.search(nul),
        lambda: directory.by_login(nul),
        lambda: directory.by_handle(f"ada{nul}"),
        lambda: directory.by_cognito_sub(nul),
        lambda: directory.create(f"new{nul}", "New", "new@example.org"),
        lambda: directory.create("new_one", f"New{nul}", "new@example.org"),
        lambda: directory.create("new_two", "New", f"new{nul}@example.org"),
    )
    for call in calls:
        with pytest.raises(Invalid, match="control character"):
            call()
    assert directory.count() == 1


def test_a_display_name_with_nothing_visible_is_refused_on_either(directory):
    for blank in ("\u200b\u200b", "\u3164", "\u202e"):
        with pytest.raises(Invalid, match="display name is empty"):
            directory.create("blank_name", blank, "blank@example.org")
    assert directory.create("rtl_name", "Ada\u202e Quill", "rtl@example.org").display_name == (
        "Ada Quill"
    )


def test_head_is_alembics_newest_revision():
    from alembic.script import ScriptDirectory

    from cruddur.adapters.users.migrations import alembic_config

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD


UPGRADE_AND_SAY = """
import sys
from cruddur.adapters.users.migrations import current_revision, upgrade
upgrade(sys.argv[1])
print(current_revision(sys.argv[1]), "alembic" in sys.modules)
"""


def test_alembic_is_imported_only_for_a_migration_to_run(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'users.sqlite3'}"

    def start() -> str:
        done = subprocess.run(
            [sys.executable, "-c", UPGRADE_AND_SAY, url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    # A new database is made at HEAD, one at HEAD left as it is: ~8 MiB and ~0.4 s less a start.
    assert start() == f"{HEAD} False"
    assert start() == f"{HEAD} False"
    # A database with tables but not at HEAD is Alembic's to migrate.
    url = f"sqlite:///{tmp_path / 'other' / 'users.sqlite3'}"
    (tmp_path / "other").mkdir()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE unrelated (id INTEGER)"))
    engine.dispose()
    assert start() == f"{HEAD} True"


def _schema(url: str) -> dict[str, object]:
    engine = make_engine(url)
    try:
        found = inspect(engine)
        tables = sorted(found.get_table_names())
        return {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                found.get_pk_constraint(table)["constrained_columns"],
                sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
                sorted(
                    (tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)
                ),
            )
            for table in tables
        }
    finally:
        engine.dispose()


def _drop_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS users"))
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_new_database_made_at_head_is_what_the_migrations_make(
    request, backend: str, tmp_path: Path
):
    from alembic import command

    from cruddur.adapters.users.migrations import alembic_config, create_at_head

    if backend == "sqlite":
        migrated, made = (f"sqlite:///{tmp_path / name}.sqlite3" for name in ("a", "b"))
    else:  # this worker's database of the session: emptied, then left migrated again
        migrated = made = request.getfixturevalue("postgres_url")
        _drop_all(migrated)
    try:
        command.upgrade(alembic_config(migrated), "head")
        by_migrations = _schema(migrated)
        if backend == "postgresql":
            _drop_all(made)
        assert create_at_head(made) is True
        assert _schema(made) == by_migrations
        assert create_at_head(made) is False  # tables there: never again
    finally:
        upgrade(made)
