"""The PartiQL form of a row's fast path, with no DynamoDB: what each statement says and binds,
and how a batch's answers are read (tests/integration/test_inbox_statements.py runs them)."""

from __future__ import annotations

import pytest

from cruddur.adapters.dynamodb import inbox_statements
from cruddur.domain.model import UNREAD_CAP, InboxChange, LastMessage


def _change(*, rev: int = 0, optional: bool = True, unread: bool = True) -> InboxChange:
    latest = LastMessage("g", "m", "2026-12-07T10:00:00.000000Z", "s", (), b"x", rev=rev)
    return InboxChange(
        "o", "g", latest, frozenset({latest.sort_key}) if unread else frozenset(), optional=optional
    )


def test_a_statement_binds_one_parameter_for_each_placeholder():
    for change in (_change(), _change(rev=2), _change(optional=False), _change(unread=False)):
        built = inbox_statements.fast_update("cruddur-messages", change, change.unread_sks)
        assert built["Statement"].count("?") == len(built["Parameters"])
        assert built["Statement"].startswith('UPDATE "cruddur-messages" SET "last_message" = ?')
        # A refusal brings the row as it stood: the slow path starts from it, with no read.
        assert built["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"


def test_only_what_the_row_needs_is_asked():
    sender = inbox_statements.fast_update("t", _change(unread=False), frozenset())["Statement"]
    assert "set_add" not in sender
    assert '"read_sk"' not in sender
    assert "size(" not in sender
    direct = inbox_statements.fast_update("t", _change(optional=False), _change().unread_sks)
    assert '"joined_sk"' not in direct["Statement"]
    assert direct["Parameters"][-1] == {"N": str(UNREAD_CAP - 1)}  # room left for one more
    edit = inbox_statements.fast_update("t", _change(rev=2, unread=False), frozenset())
    assert '"last_message_rev" < ?' in edit["Statement"]
    assert {"N": "2"} in edit["Parameters"]


def test_a_batch_holds_one_to_25_statements():
    one = {"Statement": "UPDATE", "Parameters": []}
    assert len(inbox_statements.batch([one] * 25)["Statements"]) == 25
    for count in (0, 26):
        with pytest.raises(ValueError, match="1 to 25"):
            inbox_statements.batch([one] * count)


def test_each_statement_is_answered_in_order():
    row = {"pk": {"S": "p"}, "unread": {"BS": ["MTIzNDU2Nzg="]}}
    answer = {
        "Responses": [
            {},
            {"Error": {"Code": "ConditionalCheckFailed", "Item": row}},
            {"Error": {"Code": "ConditionalCheckFailed"}},  # no row: it is gone
            {"Error": {}},
        ]
    }
    refused = inbox_statements.refusals(answer, 4)
    assert refused == [
        None,
        inbox_statements.Refusal("ConditionalCheckFailed", row),
        inbox_statements.Refusal("ConditionalCheckFailed"),
        inbox_statements.Refusal("Error"),
    ]
    assert [r.condition_failed for r in refused if r is not None] == [True, True, False]
    with pytest.raises(ValueError, match="2 answers to 3"):
        inbox_statements.refusals({"Responses": [{}, {}]}, 3)
