"""A group's rows written as PartiQL statements end exactly as one UpdateItem each leaves them.

Against DynamoDB Local: the same changes go to two copies of the same rows, one copy through
`apply_inbox_changes` (statements, 25 a call) and one through the one-row path; every row state
the fast path's condition can meet is among them (fresh, already newer, its owner joined later,
read past the message, at the unread cap, an edit of its last message, gone). A whole batch
refused (PartiQL not granted) still lands, one row at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from cruddur import storage
from cruddur.adapters.dynamodb import inbox_items
from cruddur.adapters.dynamodb.attributes import to_attrs
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.stores.inbox_rows import InboxUpdates
from cruddur.adapters.dynamodb.wire import DynamoError, SyncWire
from cruddur.config import Settings
from cruddur.domain import keys
from cruddur.domain.model import UNREAD_CAP, InboxChange, LastMessage
from cruddur.errors import NotFound
from tests.integration.helpers import counted_calls

SENDER = str(uuid.uuid4())
_MADE: list[InboxUpdates] = []


def writer(settings: Settings, *, statements: bool = True) -> InboxUpdates:
    """The stream's writer on a wire of its own, closed after the test (its pool's sockets)."""
    _MADE.append(InboxUpdates(storage.build_table(settings), statements=statements))
    return _MADE[-1]


@pytest.fixture(autouse=True)
def _close_wires() -> Iterator[None]:
    yield
    while _MADE:
        wire = _MADE.pop().table.wire
        assert isinstance(wire, SyncWire)
        wire.close()


def _sk(second: int) -> str:
    return keys.message_sk(f"2026-12-07T10:00:{second:02d}.000000Z", f"{second:08d}-0000")


def _message(group: str, second: int, rev: int = 0) -> LastMessage:
    return LastMessage(
        group_uuid=group,
        message_uuid=f"{second:08d}-0000",
        created_at=f"2026-12-07T10:00:{second:02d}.000000Z",
        sender_uuid=SENDER,
        member_uuids=(),
        sealed_preview=f"sealed {second} {rev}".encode(),
        rev=rev,
    )


# Each row as it stands before the batch (None: no row), and what the batch brings it: the
# newest message (second, rev) and the unread ones (seconds).
STATES: list[tuple[str, dict[str, Any] | None, tuple[int, int], tuple[int, ...]]] = [
    ("fresh", {"last": 10}, (30, 0), (20, 30)),
    ("the sender's own", {"last": 10}, (30, 0), ()),
    ("already newer", {"last": 40}, (30, 0), (20, 30)),
    ("joined later", {"last": 25, "joined": 25}, (30, 0), (20, 30)),
    ("read past one", {"last": 10, "read": 20}, (30, 0), (20, 30)),
    ("at the unread cap", {"last": 10, "unread": UNREAD_CAP}, (30, 0), (20, 30)),
    ("near the cap", {"last": 10, "unread": UNREAD_CAP - 1}, (30, 0), (20, 30)),
    ("its last message edited", {"last": 30}, (30, 2), ()),
    ("an older edit", {"last": 30, "rev": 3}, (30, 2), ()),
    ("gone", None, (30, 0), (20, 30)),
    ("room for exactly two", {"last": 10, "unread": UNREAD_CAP - 2}, (30, 0), (20, 30)),
    ("joined at the oldest unread", {"last": 10, "joined": 20}, (30, 0), (20, 30)),
    ("an edit with unread", {"last": 10}, (30, 1), (20, 30)),
]
# The states a statement applies itself; every other row's condition fails, and it goes on from
# the row the refusal returned (none for the row that is gone).
BY_STATEMENT = {
    "fresh",
    "the sender's own",
    "its last message edited",
    "room for exactly two",
    "joined at the oldest unread",
    "an edit with unread",
}


def _row(owner: str, group: str, state: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        **to_attrs(keys.inbox_key(owner, group)),
        **inbox_items.last_message_attrs(_message(group, state["last"], state.get("rev", 0))),
        "joined_sk": {"S": _sk(state.get("joined", 0))},
    }
    if "read" in state:
        row["read_sk"] = {"S": _sk(state["read"])}
    if state.get("unread"):
        row["unread"] = {"BS": [bytes([i, 7]) * 4 for i in range(state["unread"])]}
    return row


def _changes(group: str, owners: list[str]) -> list[InboxChange]:
    return [
        InboxChange(
            owner_uuid=owner,
            group_uuid=group,
            latest=_message(group, latest[0], latest[1]),
            unread_sks=frozenset(_sk(second) for second in unread),
            optional=True,
        )
        for owner, (_, _, latest, unread) in zip(owners, STATES, strict=True)
    ]


def _prepare(inbox: InboxUpdates, group: str, owners: list[str]) -> None:
    for owner, (_, state, _, _) in zip(owners, STATES, strict=True):
        if state is not None:
            inbox.table.call(
                "PutItem", {"TableName": inbox.table.name, "Item": _row(owner, group, state)}
            )


def _rows(inbox: InboxUpdates, group: str, owners: list[str]) -> list[dict[str, Any] | None]:
    found = []
    for owner in owners:
        row = inbox.table.get(keys.inbox_key(owner, group))
        if row is not None:
            row = {k: v for k, v in row.items() if k not in (keys.PK, keys.SK)}
        found.append(row)
    return found


def _routes(inbox: InboxUpdates) -> dict[str, list[str]]:
    """Whose rows went on past their statement: by the slow path, or by the one-row path."""
    routes: dict[str, list[str]] = {"slow": [], "one row": []}
    slow, whole = inbox.read_and_apply, inbox.apply_inbox_change

    def by_slow(change: InboxChange, seen: dict[str, Any] | None = None) -> bool:
        routes["slow"].append(change.owner_uuid)
        return slow(change, seen)

    def by_row(change: InboxChange) -> bool:
        routes["one row"].append(change.owner_uuid)
        return whole(change)

    inbox.read_and_apply = by_slow  # type: ignore[method-assign]
    inbox.apply_inbox_change = by_row  # type: ignore[method-assign]
    return routes


@pytest.mark.parametrize("copies", [1, 3])  # 13 rows, or 39: two calls, one of 14 statements
def test_statements_leave_every_row_as_the_one_row_path_does(
    settings: Settings, store: ConversationTable, copies: int
):
    owners = [str(uuid.uuid4()) for _ in STATES]
    by_statements = writer(settings)
    one_by_one = writer(settings, statements=False)
    results = []
    for inbox in (by_statements, one_by_one):
        groups = [str(uuid.uuid4()) for _ in range(copies)]
        changes = []
        for group in groups:
            _prepare(inbox, group, owners)
            changes += _changes(group, owners)
        routes, calls = _routes(inbox), counted_calls(inbox)
        applied = inbox.apply_inbox_changes(changes)
        if inbox is by_statements:
            names = {state[0]: owner for state, owner in zip(STATES, owners, strict=True)}
            assert routes["one row"] == []
            assert sorted(routes["slow"]) == sorted(
                [o for name, o in names.items() if name not in BY_STATEMENT] * copies
            )
            assert calls["BatchExecuteStatement"] == -(-len(changes) // 25)
        # A refused write returns the row as it stood: only the row that is gone is read, and
        # then its group's members (its owner left, or the row was lost?).
        assert calls["GetItem"] == 2 * copies
        # Applied twice: a replay changes nothing and applies nothing.
        assert inbox.apply_inbox_changes(changes) == 0
        results.append((applied, [_rows(inbox, group, owners) for group in groups]))
    (applied, rows), (expected_applied, expected_rows) = results
    assert rows == expected_rows
    # All but the older edit (nothing newer to show) and the row that is gone.
    assert applied == expected_applied == copies * (len(STATES) - 2)
    at = {state[0]: index for index, state in enumerate(STATES)}
    fresh, gone = rows[0][at["fresh"]], rows[0][at["gone"]]
    assert fresh is not None
    assert gone is None
    assert len(fresh["unread"]["BS"]) == 2
    assert fresh["last_message_sk"] == {"S": _sk(30)}
    read_past = rows[0][at["read past one"]]
    assert read_past is not None
    assert len(read_past["unread"]["BS"]) == 1


def test_a_batch_refused_whole_still_lands_one_row_at_a_time(
    settings: Settings, store: ConversationTable, monkeypatch
):
    inbox = writer(settings)
    call = inbox.table.call
    refused: list[str] = []

    def no_partiql(action: str, payload: dict[str, Any], passthrough: tuple[str, ...] = ()):
        if action == "BatchExecuteStatement":
            refused.append(action)
            raise DynamoError("AccessDeniedException", "not granted", {}, 400)
        return call(action, payload, passthrough)

    monkeypatch.setattr(inbox.table, "call", no_partiql)
    owners, group = [str(uuid.uuid4()) for _ in STATES], str(uuid.uuid4())
    _prepare(inbox, group, owners)
    assert inbox.apply_inbox_changes(_changes(group, owners)) == len(STATES) - 2
    assert refused == ["BatchExecuteStatement"]
    assert _rows(inbox, group, owners)[0]["last_message_sk"] == {"S": _sk(30)}  # type: ignore[index]


def test_a_missing_row_that_must_exist_is_an_error_not_a_new_row(
    settings: Settings, store: ConversationTable
):
    inbox = writer(settings)
    group, owners = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(3)]
    changes = [
        InboxChange(owner, group, _message(group, 30), frozenset({_sk(30)})) for owner in owners
    ]
    with pytest.raises(NotFound):
        inbox.apply_inbox_changes(changes)
    assert all(inbox.table.get(keys.inbox_key(owner, group)) is None for owner in owners)


def test_a_statement_refused_for_another_reason_goes_the_one_row_way(
    settings: Settings, store: ConversationTable, monkeypatch, caplog
):
    inbox = writer(settings)
    call = inbox.table.call

    def throttled(action: str, payload: dict[str, Any], passthrough: tuple[str, ...] = ()):
        if action == "BatchExecuteStatement":  # answered, each statement refused, none run
            error = {"Code": "ThrottlingError", "Message": "slow down"}
            return {"Responses": [{"Error": error} for _ in payload["Statements"]]}
        return call(action, payload, passthrough)

    monkeypatch.setattr(inbox.table, "call", throttled)
    routes = _routes(inbox)
    owners, group = [str(uuid.uuid4()) for _ in STATES], str(uuid.uuid4())
    _prepare(inbox, group, owners)
    with caplog.at_level("WARNING"):
        assert inbox.apply_inbox_changes(_changes(group, owners)) == len(STATES) - 2
        inbox.apply_inbox_changes(_changes(group, owners))
    assert sorted(routes["one row"]) == sorted(owners * 2)
    assert routes["slow"] == []
    # Said once a process, not once a row or a message.
    assert [r.getMessage() for r in caplog.records].count(
        "inbox statements refused (ThrottlingError): those rows go one at a time"
    ) == 1
