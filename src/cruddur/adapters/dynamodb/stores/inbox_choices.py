"""A member's choices for their own inbox row — muted, archived, pinned — and the pinned rows
the first page of an inbox starts with.

The choices are attributes of the owner's row (OWNER_CHOICES) that the stream processor
never writes, so its updates keep them. Which rows are pinned is also kept in one small item
per owner, in the owner's inbox partition and at the top of the inbox index (keys.pins_key): the
first page's one Query reads it with the newest rows, then those rows (at most MAX_PINNED) are
read by key instead of scanning the inbox for them. A change of pinning writes the row and that
item in one transaction, so the two never disagree.
"""

from __future__ import annotations

from typing import Any

from cruddur.adapters.dynamodb import inbox_items, operations
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import (
    ARCHIVED_UPTO,
    HIDDEN,
    LAST_MESSAGE_AT,
    LAST_MESSAGE_SK,
    MUTED,
    PINNED_AT,
    PINNED_GROUPS,
    s,
    to_attrs,
)
from cruddur.adapters.dynamodb.errors import (
    CANCELED_BY_CONDITION,
    CONDITION_FAILED,
    TRANSACTION_CANCELED,
)
from cruddur.adapters.dynamodb.errors import cancellation_codes as codes
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.domain import keys
from cruddur.domain.model import MAX_PINNED, InboxChoices, InboxEntry
from cruddur.errors import Conflict, Invalid, NotFound


async def apply(
    table: AsyncTable, owner_uuid: str, group_uuid: str, choices: InboxChoices, now: str
) -> InboxEntry:
    """Apply the owner's choices to their row; the row as it now reads."""
    sets, removes, values = _row_changes(choices, now)
    row_key = keys.inbox_key(owner_uuid, group_uuid)
    update = operations.update(
        table.name,
        row_key,
        _expression(sets, removes),
        values,
        condition=f"attribute_exists({keys.PK})",
    )
    pin = _pins_change(owner_uuid, group_uuid, choices)
    if pin is None:
        try:
            answer = await table.call(
                "UpdateItem",
                {**update, "ReturnValues": "ALL_NEW"},
                passthrough=(CONDITION_FAILED,),
            )
        except DynamoError:
            raise NotFound("no such conversation", field="message_group_uuid") from None
        return inbox_items.inbox_from_item(answer["Attributes"], table.sealer)
    try:
        await table.call(
            "TransactWriteItems",
            {"TransactItems": [{"Update": update}, {"Update": {"TableName": table.name, **pin}}]},
            passthrough=(TRANSACTION_CANCELED,),
        )
    except DynamoError as exc:
        reasons = codes(exc)
        if reasons[:1] == [CANCELED_BY_CONDITION]:
            raise NotFound("no such conversation", field="message_group_uuid") from None
        if reasons[1:2] == [CANCELED_BY_CONDITION]:
            raise Invalid(f"at most {MAX_PINNED} pinned conversations", field="pinned") from None
        raise Conflict("the conversation changed meanwhile; try again") from None
    row = await table.get(row_key)
    if row is None:
        raise NotFound("no such conversation", field="message_group_uuid")
    return inbox_items.inbox_from_item(row, table.sealer)


async def pinned_rows(table: AsyncTable, owner_uuid: str, groups: list[str]) -> list[InboxEntry]:
    """The owner's pinned rows of `groups` (the pins item's), newest activity first; those a
    block hides, or no longer pinned, are left out."""
    if not groups:
        return []
    rows = await table.batch_get([keys.inbox_key(owner_uuid, group) for group in groups])
    shown = [row for row in rows if PINNED_AT in row and HIDDEN not in row]
    shown.sort(key=lambda row: row[LAST_MESSAGE_SK]["S"], reverse=True)
    return [inbox_items.inbox_from_item(row, table.sealer) for row in shown]


def _row_changes(
    choices: InboxChoices, now: str
) -> tuple[dict[str, str], set[str], dict[str, Any]]:
    sets: dict[str, str] = {}
    removes: set[str] = set()
    values: dict[str, Any] = {}
    if choices.muted is not None:
        if choices.muted:
            sets[MUTED], values[":true"] = ":true", {"BOOL": True}
        else:
            removes.add(MUTED)
    if choices.archived:
        sets[ARCHIVED_UPTO] = LAST_MESSAGE_AT  # copied from the row itself
        removes.add(PINNED_AT)
    elif choices.archived is not None or choices.pinned:
        removes.add(ARCHIVED_UPTO)
    if choices.pinned:
        sets[PINNED_AT], values[":now"] = ":now", s(now)
    elif choices.pinned is not None:
        removes.add(PINNED_AT)
    return sets, removes, values


def _expression(sets: dict[str, str], removes: set[str]) -> str:
    parts = []
    if sets:
        parts.append("SET " + ", ".join(f"{name} = {value}" for name, value in sets.items()))
    if removes:
        parts.append("REMOVE " + ", ".join(sorted(removes)))
    return " ".join(parts)


async def move_legacy_pins(table: AsyncTable, owner_uuid: str) -> list[str]:
    """The groups of the owner's pins item where it lived before (keys.legacy_pins_key), moved
    into the inbox partition (a union: any pin made since stays); [] when there was none."""
    legacy = keys.legacy_pins_key(owner_uuid)
    item = await table.get(legacy)
    groups = sorted(item.get(PINNED_GROUPS, {}).get("SS", [])) if item else []
    if groups:
        moved = _pins_update(owner_uuid, f"ADD {PINNED_GROUPS} :group", groups)
        await table.call("UpdateItem", {"TableName": table.name, **moved})
    if item is not None:
        await table.call("DeleteItem", operations.delete(table.name, legacy))
    return groups


def _pins_update(owner_uuid: str, change: str, groups: list[str]) -> dict[str, Any]:
    """An update of the pins item that keeps it at the top of the owner's inbox index."""
    return {
        "Key": to_attrs(keys.pins_key(owner_uuid)),
        "UpdateExpression": f"{change} SET {LAST_MESSAGE_SK} = :top",
        "ExpressionAttributeValues": {":group": {"SS": groups}, ":top": s(keys.PINS_INDEX_SK)},
    }


def _pins_change(owner_uuid: str, group_uuid: str, choices: InboxChoices) -> dict[str, Any] | None:
    """The pins item's update, when pinning changes: a pin within MAX_PINNED, or an unpin."""
    if choices.pinned:
        change = _pins_update(owner_uuid, f"ADD {PINNED_GROUPS} :group", [group_uuid])
        change["ConditionExpression"] = (
            f"attribute_not_exists({PINNED_GROUPS}) OR size({PINNED_GROUPS}) < :most"
            f" OR contains({PINNED_GROUPS}, :one)"
        )
        change["ExpressionAttributeValues"] |= {
            ":most": {"N": str(MAX_PINNED)},
            ":one": s(group_uuid),
        }
        return change
    if choices.pinned is not None or choices.archived:
        return _pins_update(owner_uuid, f"DELETE {PINNED_GROUPS} :group", [group_uuid])
    return None
