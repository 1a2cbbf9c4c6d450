"""Progress of a long command, on a terminal only.

On a terminal, stderr shows one line redrawn in place: how many done, how fast, and, when the
total is known, a bar with the share done and the time left. When stderr is not a terminal
(piped, redirected, a CI log, a test runner) nothing at all is written, so what scripts and log
shippers read stays as it was. One mechanism for every long command (`ddb repair-inboxes`,
`ddb seed`, `users export`):

    with progress("repair-inboxes", unit="conversations", total=None) as shown:
        for outcome in work:
            shown.advance()
            shown.echo(line)  # the command's own output, never drawn through the bar

Commands whose work happens inside a service count it through the store it uses
(`counting_messages`), so the service knows nothing of terminals.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

import click

from cruddur.domain.model import (
    InboxChoices,
    InboxEntry,
    Message,
    Position,
    ReadPosition,
    RowAccess,
    UserRef,
)
from cruddur.services.ports.messages import Conversations

REDRAW_EVERY = 0.1  # seconds: often enough to look alive, rarely enough to cost nothing
BAR_WIDTH = 20
CLEAR_LINE = "\r\x1b[K"  # back to the line's start and erase it: a shorter line leaves no tail


def on_terminal(stream: TextIO) -> bool:
    """Whether to draw on `stream`: a terminal that can return to a line's start (TERM=dumb,
    an editor's shell buffer, cannot)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty()) and os.environ.get("TERM") != "dumb"


class Progress:
    """A count of `unit` done, drawn at most every REDRAW_EVERY seconds. Used from one thread
    (the command's): workers hand their results back to it."""

    def __init__(
        self,
        label: str,
        *,
        unit: str,
        total: int | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.unit, self.total = label, unit, total
        # Looked up now, not at import: a test runner swaps sys.stderr per invocation.
        self.stream = sys.stderr if stream is None else stream
        self.shown = on_terminal(self.stream)
        self.clock = clock
        self.count = 0
        self.started = clock()
        self._drawn_at: float | None = None  # None: nothing of the bar is on screen

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, done: int = 1) -> None:
        self.count += done
        if not self.shown:
            return
        if self._drawn_at is None or self.clock() - self._drawn_at >= REDRAW_EVERY:
            self._draw()

    def echo(self, text: str, *, err: bool = False) -> None:
        """A line of the command's own output, printed on a line of its own below the bar."""
        if self._drawn_at is not None:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self._drawn_at = None  # drawn again at the next advance
        click.echo(text, err=err)

    def close(self) -> None:
        """The final count stays on screen, on a line of its own."""
        if self.shown and self.count:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self._drawn_at = None

    def line(self) -> str:
        """`label  done[/total] unit  [bar] share  rate/s  eta`: the bar and the time left only
        when the total is known."""
        rate = self.count / max(self.clock() - self.started, 1e-6)
        of = "" if self.total is None else f"/{self.total:,}"
        parts = [self.label, f"{self.count:,}{of} {self.unit}"]
        if self.total:
            share = min(self.count / self.total, 1.0)
            filled = round(share * BAR_WIDTH)
            parts.append(f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}")
        parts.append(f"{rate:,.1f}/s")
        if self.total and rate > 0 and self.count < self.total:
            parts.append(f"eta {_duration((self.total - self.count) / rate)}")
        return "  ".join(parts)

    def _draw(self) -> None:
        # Cut to the terminal's width: a line that wraps can no longer be redrawn in place.
        width = shutil.get_terminal_size().columns
        self.stream.write(CLEAR_LINE + self.line()[: max(width - 1, 10)])
        self.stream.flush()
        self._drawn_at = self.clock()


def progress(label: str, *, unit: str, total: int | None = None) -> Progress:
    """Progress on stderr, drawn only when stderr is a terminal."""
    return Progress(label, unit=unit, total=total)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"


class CountedMessages:
    """A store that counts every message it writes or reads on a Progress: `ddb seed` and
    `users export` show progress while services that know nothing of it do the work. The
    rest passes through unchanged; mypy proves it is a `Conversations` (`counting_messages`)."""

    def __init__(self, store: Conversations, shown: Progress) -> None:
        self.store, self.shown = store, shown

    async def query_messages(
        self,
        group_uuid: str,
        limit: int,
        after: Position | None = None,
        floor: str | None = None,
    ) -> tuple[list[Message], Position | None]:
        page, following = await self.store.query_messages(group_uuid, limit, after, floor)
        self.shown.advance(len(page))
        return page, following

    async def put_message(self, message: Message) -> Message:
        stored = await self.store.put_message(message)
        self.shown.advance()
        return stored

    async def create_conversation(
        self, sender: UserRef, recipient: UserRef, first: Message
    ) -> None:
        await self.store.create_conversation(sender, recipient, first)
        self.shown.advance()

    async def query_inbox(
        self, owner_uuid: str, limit: int, after: Position | None = None, view: str = "inbox"
    ) -> tuple[list[InboxEntry], Position | None]:
        return await self.store.query_inbox(owner_uuid, limit, after, view)

    def inbox_position(self, owner_uuid: str, after: InboxEntry | None) -> Position:
        return self.store.inbox_position(owner_uuid, after)

    async def first_inbox_page(
        self, owner_uuid: str, limit: int
    ) -> tuple[list[InboxEntry], list[InboxEntry], Position | None]:
        return await self.store.first_inbox_page(owner_uuid, limit)

    async def apply_choices(
        self, owner_uuid: str, group_uuid: str, choices: InboxChoices, now: str
    ) -> InboxEntry:
        return await self.store.apply_choices(owner_uuid, group_uuid, choices, now)

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        return await self.store.get_inbox_row(owner_uuid, group_uuid)

    async def get_access(self, owner_uuid: str, group_uuid: str) -> RowAccess | None:
        return await self.store.get_access(owner_uuid, group_uuid)

    async def find_pair(self, user_a: str, user_b: str) -> str | None:
        return await self.store.find_pair(user_a, user_b)

    async def mark_read(
        self, reader: str, other: str | None, group_uuid: str, now: str
    ) -> ReadPosition | None:
        return await self.store.mark_read(reader, other, group_uuid, now)


def counting_messages(store: Conversations, shown: Progress) -> Conversations:
    return CountedMessages(store, shown)
