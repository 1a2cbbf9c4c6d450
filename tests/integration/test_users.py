"""The users directory on SQLite and on a real PostgreSQL (the session's: session_services.py),
migrated by Alembic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from cruddur.adapters.users.directory import UsersDirectory, make_engine
from cruddur.adapters.users.migrations import upgrade
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
