"""What the inbox repair reads of the table: which conversations to rebuild, and of one
conversation its messages, its two rows, its block items and whom each row is with. Reads
only; the repair's one write is its own (inbox_repair)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cruddur.adapters.dynamodb import message_items, operations
from cruddur.adapters.dynamodb.attributes import (
    CREATED_AT,
    EDITED_AT,
    ERASED,
    GROUP_UUID,
    MESSAGE_UUID,
    OTHER_USER_DISPLAY_NAME,
    OTHER_USER_HANDLE,
    SENDER,
    USER_UUID,
    Item,
    s,
)
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.domain import keys
from cruddur.domain.model import LastMessage, UserRef

PAGE = 200

# Finds a member's profile when no row or message of the conversation names them (the users
# directory, by uuid); None when nobody knows them.
Profiles = Callable[[str], UserRef | None]


class RepairReads:
    def __init__(
        self,
        table: DynamoTable,
        profiles: Profiles | None = None,
        senders: Callable[[Item], UserRef | None] | None = None,
    ) -> None:
        self.table = table
        self.profiles = profiles or (lambda _uuid: None)
        # A message's author by name, opened with the key it is sealed under (None: erased).
        self.senders = senders

    # -- which conversations ----------------------------------------------------------------
    def every_group(self) -> Iterator[str]:
        """Every conversation: its pair item, written with it in one transaction."""
        for item in self._scan(f"begins_with({keys.PK}, :pair)", {":pair": s(keys.PAIR_PREFIX)}):
            yield str(item[GROUP_UUID]["S"])

    def groups_of(self, user_uuid: str) -> list[str]:
        """A member's conversations: those their inbox holds, and those whose row of theirs is
        missing (found by the pair items, which takes a scan of the table)."""
        found = dict.fromkeys(self._inbox_groups(user_uuid))
        pairs = self._scan(
            f"begins_with({keys.PK}, :pair) AND contains(user_uuids, :user)",
            {":pair": s(keys.PAIR_PREFIX), ":user": s(user_uuid)},
        )
        found.update(dict.fromkeys(str(item[GROUP_UUID]["S"]) for item in pairs))
        return list(found)

    def groups_active_between(self, start: str, end: str) -> list[str]:
        """Conversations with a message sent, edited or deleted between two timestamps: those a
        lost stream batch of that time may have concerned."""
        condition = (
            f"begins_with({keys.PK}, :msg) AND ({CREATED_AT} BETWEEN :start AND :end"
            f" OR {EDITED_AT} BETWEEN :start AND :end)"
        )
        values = {
            ":msg": s(keys.MESSAGE_PREFIX),
            ":start": s(start),
            ":end": s(end),
        }
        found = self._scan(condition, values)
        return list(dict.fromkeys(str(item[GROUP_UUID]["S"]) for item in found))

    # -- one conversation -------------------------------------------------------------------
    def newest_message(self, group_uuid: str) -> LastMessage | None:
        page = self._query(group_uuid, None, forward=False, limit=1)
        return next(iter(page), None)

    def messages_after(self, group_uuid: str, since: str | None) -> Iterator[LastMessage]:
        yield from self._query(group_uuid, since, forward=True, limit=None)

    def rows(self, group_uuid: str, members: Sequence[str]) -> dict[str, Item]:
        wanted = [keys.inbox_key(owner, group_uuid) for owner in members]
        return {
            str(item[USER_UUID]["S"]): item
            for item in self.table.batch_get(wanted, consistent=True)
        }

    def blockers(self, members: tuple[str, str]) -> tuple[set[str], set[str]]:
        """Who of the two blocks the other, and who of them is a deleted account."""
        a, b = members
        wanted = [keys.block_key(a, b), keys.block_key(b, a)]
        found = self.table.batch_get(wanted, consistent=True)
        blockers = {str(item[USER_UUID]["S"]) for item in found}
        return blockers, {str(i[USER_UUID]["S"]) for i in found if ERASED in i}

    def profile(
        self, group_uuid: str, owner: str, other: str, rows: dict[str, Item]
    ) -> UserRef | None:
        """Whom the owner's row is with: as the row says, else as the other member's newest
        message says, else as the users directory says."""
        row = rows.get(owner)
        if row is not None:
            return UserRef(
                other,
                row[OTHER_USER_HANDLE]["S"],
                row[OTHER_USER_DISPLAY_NAME]["S"],
            )
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": f"{keys.PK} = :pk",
            "FilterExpression": f"{USER_UUID} = :other",
            "ExpressionAttributeValues": {
                ":pk": s(keys.message_pk(group_uuid)),
                ":other": s(other),
            },
            "ScanIndexForward": False,
            "ProjectionExpression": ", ".join(
                (
                    "user_handle",
                    "user_display_name",
                    SENDER,
                    USER_UUID,
                    GROUP_UUID,
                    CREATED_AT,
                    MESSAGE_UUID,
                )
            ),
        }
        for item in self.table.each_item("Query", args):
            if "user_handle" in item:  # written before names were sealed under their author
                return UserRef(other, item["user_handle"]["S"], item["user_display_name"]["S"])
            if self.senders is not None and SENDER in item:
                return self.senders(item)
            break
        return self.profiles(other)

    # -- the requests -----------------------------------------------------------------------
    def _query(
        self, group_uuid: str, after: str | None, *, forward: bool, limit: int | None
    ) -> Iterator[LastMessage]:
        condition = f"{keys.PK} = :pk"
        values: dict[str, Any] = {":pk": s(keys.message_pk(group_uuid))}
        if after is not None:
            condition += f" AND {keys.SK} > :after"
            values[":after"] = s(after)
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
            "ConsistentRead": True,
            "Limit": limit or PAGE,
        }
        found = (
            self.table.call("Query", args).get("Items", [])
            if limit is not None
            else self.table.each_item("Query", args)
        )
        for item in found:
            yield message_items.last_message_of(item)

    def _inbox_groups(self, user_uuid: str) -> Iterator[str]:
        args = operations.query(
            self.table.name,
            keys.inbox_pk(user_uuid),
            prefix=keys.INBOX_PREFIX,  # the rows, not the pins item beside them
            projection=GROUP_UUID,
            consistent=False,
        )
        for item in self.table.each_item("Query", args):
            yield str(item[GROUP_UUID]["S"])

    def _scan(self, condition: str, values: dict[str, Any]) -> Iterator[Item]:
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "FilterExpression": condition,
            "ExpressionAttributeValues": values,
        }
        yield from self.table.each_item("Scan", args)
