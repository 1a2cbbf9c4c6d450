"""A member's choices for their own inbox row — muted, archived, pinned — and the pinned rows
the first page of an inbox starts with.

The choices are attributes of the owner's row (OWNER_CHOICES) that the stream processor
never writes, so its updates keep them. Which rows are pinned is also kept in one small item
per owner, in the owner's inbox partition and at the top of the inbox index (keys.pins_key): the
first page's one Query reads it with the newest rows, then those rows (at most MAX_PINNED) are
read by key instead of scanning the inbox for them. A change of pinning writes the row and that
item in one transaction, so the two never disagree (and, for a release that reads only there,
the item at its old key: keys.legacy_pins_key).
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
    pins = _pins_changes(owner_uuid, group_uuid, choices)
    if pins is None:
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
            {
                "TransactItems": [
                    {"Update": update},
                    *({"Update": {"TableName": table.name, **pin}} for pin in pins),
                ]
            },
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


async def legacy_pinned_groups(table: AsyncTable, owner_uuid: str) -> list[str]:
    """The groups of the owner's pins item at its old key (keys.legacy_pins_key)."""
    item = await table.get(keys.legacy_pins_key(owner_uuid))
    return sorted(item.get(PINNED_GROUPS, {}).get("SS", [])) if item else []


def _pins_update(owner_uuid: str, change: str, groups: list[str]) -> dict[str, Any]:
    """An update of the pins item that keeps it at the top of the owner's inbox index. Its
    `pinned_at` keeps it out of the inbox view's filter as an older release reads it (a release
    that knew no pins item there would take it for a row); the view lets it through by its
    `groups` (reads.INBOX_VIEWS)."""
    return {
        "Key": to_attrs(keys.pins_key(owner_uuid)),
        "UpdateExpression": f"{change} SET {LAST_MESSAGE_SK} = :top, {PINNED_AT} = :top",
        "ExpressionAttributeValues": {":group": {"SS": groups}, ":top": s(keys.PINS_INDEX_SK)},
    }


def _legacy_update(owner_uuid: str, change: str, groups: list[str]) -> dict[str, Any]:
    """The same change to the pins item at its old key, which an older release reads: written
    too while a rolling deployment or a rollback may run one (keys.legacy_pins_key)."""
    return {
        "Key": to_attrs(keys.legacy_pins_key(owner_uuid)),
        "UpdateExpression": change,
        "ExpressionAttributeValues": {":group": {"SS": groups}},
    }


def _pins_changes(
    owner_uuid: str, group_uuid: str, choices: InboxChoices
) -> list[dict[str, Any]] | None:
    """The pins items' updates, when pinning changes: a pin within MAX_PINNED (counted on the
    item in the index), or an unpin; the item at the old key follows."""
    if choices.pinned:
        action = f"ADD {PINNED_GROUPS} :group"
    elif choices.pinned is not None or choices.archived:
        action = f"DELETE {PINNED_GROUPS} :group"
    else:
        return None
    change = _pins_update(owner_uuid, action, [group_uuid])
    if choices.pinned:
        change["ConditionExpression"] = (
            f"attribute_not_exists({PINNED_GROUPS}) OR size({PINNED_GROUPS}) < :most"
            f" OR contains({PINNED_GROUPS}, :one)"
        )
        change["ExpressionAttributeValues"] |= {
            ":most": {"N": str(MAX_PINNED)},
            ":one": s(group_uuid),
        }
    return [change, _legacy_update(owner_uuid, action, [group_uuid])]
