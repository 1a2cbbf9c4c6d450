"""What group conversations need of the table (adapters/dynamodb/stores/groups.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cruddur.domain.groups import Group, Member
from cruddur.domain.model import Message


class GroupStore(Protocol):
    async def get_group(self, group_uuid: str) -> Group | None:
        """The membership item, read consistently; None for no group of that id."""
        ...

    async def create_group(self, group: Group, first: Message) -> None:
        """The membership item, each member's row and the first event item, all or nothing;
        Conflict if it could not be written (a retry of the same start is a no-op)."""
        ...

    async def change_group(
        self,
        before: Group,
        after: Group,
        events: Sequence[Message],
        added: Sequence[Member] = (),
        removed: Sequence[str] = (),
    ) -> None:
        """`after` replaces `before` with its event items, the added members' rows and without
        the removed ones' rows, all or nothing; Conflict if the group changed since `before`."""
        ...

    async def refresh_rows(
        self, group: Group, skip: set[str] | frozenset[str] = frozenset()
    ) -> None: ...

    async def catch_up(self, group_uuid: str, member: Member) -> None:
        """A new member's row shows the group's newest message since they joined."""
        ...

    async def read_positions(self, group: Group) -> dict[str, tuple[str | None, str | None]]:
        """Each member's read position (sort key, when) from their rows."""
        ...
