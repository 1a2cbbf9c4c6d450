"""A group's inbox updates as PartiQL statements: many rows in one call, no I/O here.

A message into a group of 50 moves 50 rows. One UpdateItem each is 50 requests, each signed,
sent and answered on its own: most of the stream processor's CPU for that message, and most of
DynamoDB Local's. BatchExecuteStatement carries up to 25 statements a call, each applied and
answered on its own (not a transaction: one that fails takes nothing else with it), billed as
the UpdateItem it stands for (docs/benchmarks.md has the figures).

Each statement is the fast path of `stores/inbox_rows.py` (`_fast_condition`) in PartiQL's words:
the same SET, the same tokens added to the unread set, the same condition. A PartiQL UPDATE never
creates an item, which is that path's `attribute_exists(pk)`. Whatever a statement cannot do (a
failed condition, a row at the item size limit, any other refusal) its row does on the one-row
path, which knows what to do with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cruddur.adapters.dynamodb import inbox_items
from cruddur.adapters.dynamodb.attributes import (
    JOINED_SK,
    LAST_MESSAGE_REV,
    LAST_MESSAGE_SK,
    READ_SK,
    UNREAD,
    Item,
    s,
    to_attrs,
)
from cruddur.domain import keys
from cruddur.domain.model import UNREAD_CAP, InboxChange

STATEMENTS_MAX = 25  # BatchExecuteStatement's limit
# A statement's refusal, as BatchExecuteStatement names it (not the exception's name).
CONDITION_FAILED = "ConditionalCheckFailed"


@dataclass(frozen=True)
class Refusal:
    code: str
    # The row as it stood, when a failed condition returned it: the slow path need not read it.
    row: Item | None = None

    @property
    def condition_failed(self) -> bool:
        # The batch's own name for it; the exception's name too, should an answer use that.
        return self.code in {CONDITION_FAILED, "ConditionalCheckFailedException"}


def _name(attribute: str) -> str:
    # Quoted: PartiQL's reserved words include names a table may use.
    return f'"{attribute}"'


def fast_update(table: str, change: InboxChange, unread: frozenset[str]) -> dict[str, Any]:
    """One row's fast path: the batch's newest message and its `unread` sort keys (already cut
    to the cap), if the row has not seen newer, its owner joined before, and the set has room."""
    attrs = inbox_items.last_message_attrs(change.latest)
    sets = [f"SET {_name(name)} = ?" for name in attrs]
    params: list[dict[str, Any]] = list(attrs.values())
    if unread:
        sets.append(f"SET {_name(UNREAD)} = set_add({_name(UNREAD)}, ?)")
        params.append({"BS": sorted({inbox_items.unread_token(sk) for sk in unread})})
    key = to_attrs(keys.inbox_key(change.owner_uuid, change.group_uuid))
    where = [f"{_name(keys.PK)} = ?", f"{_name(keys.SK)} = ?"]
    params += [key[keys.PK], key[keys.SK]]
    last, rev = _name(LAST_MESSAGE_SK), _name(LAST_MESSAGE_REV)
    newer = f"{last} IS MISSING OR {last} < ?"
    params.append(s(change.latest.sort_key))
    if change.latest.rev:
        newer += f" OR ({last} = ? AND ({rev} IS MISSING OR {rev} < ?))"
        params += [s(change.latest.sort_key), {"N": str(change.latest.rev)}]
    where.append(f"({newer})")
    if change.optional:  # a group's row: nothing from before its owner joined
        joined = _name(JOINED_SK)
        where.append(f"({joined} IS MISSING OR {joined} <= ?)")
        params.append(s(min([change.latest.sort_key, *unread])))
    if unread:
        read, tokens = _name(READ_SK), _name(UNREAD)
        where.append(f"({read} IS MISSING OR {read} < ?)")
        where.append(f"({tokens} IS MISSING OR size({tokens}) <= ?)")
        params += [s(min(unread)), {"N": str(UNREAD_CAP - len(unread))}]
    statement = f"UPDATE {_name(table)} {' '.join(sets)} WHERE {' AND '.join(where)}"
    # A refusal carries the row as it stood (no read units): the slow path starts from it.
    return {
        "Statement": statement,
        "Parameters": params,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def batch(statements: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """BatchExecuteStatement's request for at most STATEMENTS_MAX statements."""
    if not 0 < len(statements) <= STATEMENTS_MAX:
        raise ValueError(f"1 to {STATEMENTS_MAX} statements a call, not {len(statements)}")
    return {"Statements": list(statements)}


def refusals(answer: dict[str, Any], count: int) -> list[Refusal | None]:
    """Each statement's refusal, None for one applied, in request order."""
    responses = answer.get("Responses", [])
    if len(responses) != count:
        raise ValueError(f"{len(responses)} answers to {count} statements")
    return [None if "Error" not in r else _refusal(r["Error"]) for r in responses]


def _refusal(error: dict[str, Any]) -> Refusal:
    row = error.get("Item")
    return Refusal(str(error.get("Code") or "Error"), dict(row) if row else None)
