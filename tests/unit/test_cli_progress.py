"""The progress line of long commands (cli/progress.py): drawn in place on a terminal with a
count and a rate (a bar and the time left when the total is known); nothing at all otherwise.
And the demo-users guard's notion of a local database (cli/db.py)."""

from __future__ import annotations

import io

import pytest

from cruddur.cli.demo_guard import is_local_database
from cruddur.cli.progress import CLEAR_LINE, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_written_when_stderr_is_not_a_terminal():
    piped = io.StringIO()
    with Progress("repair-inboxes", unit="conversations", total=3, stream=piped) as shown:
        for _ in range(3):
            shown.advance()
    assert piped.getvalue() == ""


def test_a_terminal_sees_count_bar_rate_and_time_left(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    screen, clock = Terminal(), Clock()
    shown = Progress("repair-inboxes", unit="conversations", total=8, stream=screen, clock=clock)
    clock.now += 2.0
    shown.advance(4)
    drawn = screen.getvalue()
    assert drawn.startswith(CLEAR_LINE)
    assert "repair-inboxes  4/8 conversations" in drawn
    assert "[##########..........]  50%" in drawn
    assert "2.0/s" in drawn
    assert "eta 2s" in drawn
    clock.now += 2.0
    shown.advance(4)
    shown.close()
    final = screen.getvalue().split(CLEAR_LINE)[-1]
    assert final.startswith("repair-inboxes  8/8 conversations")
    assert "100%" in final
    assert "eta" not in final
    assert final.endswith("\n")  # the final count stays, on a line of its own


def test_without_a_total_a_count_and_a_rate_only():
    screen, clock = Terminal(), Clock()
    shown = Progress("seed", unit="messages", stream=screen, clock=clock)
    clock.now += 0.5
    shown.advance(1234)
    assert "seed  1,234 messages  2,468.0/s" in screen.getvalue()
    assert "[#" not in screen.getvalue()
    assert "%" not in screen.getvalue()


def test_redraws_are_paced_and_lines_printed_meanwhile_clear_the_bar(capsys):
    screen, clock = Terminal(), Clock()
    shown = Progress("export", unit="messages read", stream=screen, clock=clock)
    for _ in range(50):
        shown.advance()  # the clock stands still: one draw
    assert screen.getvalue().count(CLEAR_LINE) == 1
    shown.echo("group 1 row of 2: rewrote (unread)")
    assert screen.getvalue().endswith(CLEAR_LINE)  # the bar is gone before the line is printed
    assert capsys.readouterr().out == "group 1 row of 2: rewrote (unread)\n"
    shown.advance()  # and drawn again at once, below it
    assert screen.getvalue().count(CLEAR_LINE) == 3
    clock.now += 0.2
    shown.advance()
    assert screen.getvalue().count(CLEAR_LINE) == 4


def test_a_line_never_wraps(monkeypatch):
    # A wrapped line can no longer be redrawn in place: it is cut to the terminal's width.
    monkeypatch.setenv("COLUMNS", "40")
    screen = Terminal()
    Progress("repair-inboxes", unit="conversations", total=10**6, stream=screen).advance()
    assert len(screen.getvalue().removeprefix(CLEAR_LINE)) == 39


def test_a_dumb_terminal_is_not_drawn_on(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    screen = Terminal()
    with Progress("seed", unit="messages", stream=screen) as shown:
        shown.advance()
    assert screen.getvalue() == ""


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("sqlite:////srv/data/users.sqlite3", True),
        ("postgresql+psycopg://app:pw@127.0.0.1:5432/cruddur", True),
        ("postgresql+psycopg://app@localhost/cruddur", True),
        ("postgresql+psycopg://app@[::1]/cruddur", True),
        ("postgresql+psycopg://app:pw@db.example.org:5432/cruddur", False),
        ("postgresql+psycopg://app:pw@10.0.3.7/cruddur", False),
        # libpq takes the query's host over the URL's; a URL without one goes where PGHOST says
        ("postgresql+psycopg://app@127.0.0.1/cruddur?host=db.example.org", False),
        ("postgresql+psycopg:///cruddur", False),
        ("not a url", False),
    ],
)
def test_only_sqlite_and_loopback_servers_are_local(url, local):
    assert is_local_database(url) is local
