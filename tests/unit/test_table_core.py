"""The table core without a socket: operations driven over a scripted wire."""

from __future__ import annotations

from typing import Any

import pytest

from cruddur.adapters.dynamodb import operations
from cruddur.adapters.dynamodb.attributes import to_attrs
from cruddur.adapters.dynamodb.table import DynamoTable
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.errors import Conflict, TableMissing, Unavailable


class ScriptedWire:
    """Answers calls from a list, in order, and keeps what it was sent."""

    def __init__(self, *answers: dict[str, Any] | DynamoError) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((action, payload))
        answer = self.answers.pop(0)
        if isinstance(answer, DynamoError):
            raise answer
        return answer


def refusal(code: str) -> DynamoError:
    return DynamoError(code, "", {}, 400)


def item(n: int) -> dict[str, Any]:
    return {"pk": {"S": "P"}, "sk": {"S": f"{n:03}"}}


def test_every_metered_call_asks_for_its_capacity_and_no_other():
    for action in operations.METERED:
        assert operations.metered(action, {})["ReturnConsumedCapacity"] == "TOTAL"
    for action in ("GetRecords", "DescribeStream", "DescribeTable", "CreateTable"):
        assert "ReturnConsumedCapacity" not in operations.metered(action, {})


def test_a_write_is_metered_as_a_write_from_a_total():
    wire = ScriptedWire(
        {"ConsumedCapacity": {"CapacityUnits": 2.0}}, {"ConsumedCapacity": {"CapacityUnits": 0.5}}
    )
    table = DynamoTable(wire, "t")
    table.put_new(item(1))
    table.get({"pk": "P", "sk": "001"})
    assert (table.meter.write_units, table.meter.read_units, table.meter.calls) == (2.0, 0.5, 2)
    assert wire.sent[0][1]["ReturnConsumedCapacity"] == "TOTAL"
    assert wire.sent[0][1]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert wire.sent[1][1]["ConsistentRead"] is True


def test_each_item_follows_every_page_lazily():
    wire = ScriptedWire(
        {"Items": [item(1), item(2)], "LastEvaluatedKey": item(2)},
        {"Items": [], "LastEvaluatedKey": item(2)},  # a page the filter emptied
        {"Items": [item(3)]},
    )
    table = DynamoTable(wire, "t")
    every = table.each_item("Query", {"TableName": "t"})
    assert next(every) == item(1)
    assert len(wire.sent) == 1  # the second page is read only when it is reached
    assert [found["sk"]["S"] for found in every] == ["002", "003"]
    assert [sent.get("ExclusiveStartKey") for _, sent in wire.sent] == [None, item(2), item(2)]


def test_batch_get_asks_again_for_unprocessed_keys_and_splits_by_a_hundred():
    wanted = [{"pk": "P", "sk": f"{n:03}"} for n in range(150)]
    left = {"t": {"Keys": [to_attrs(wanted[99])]}}
    wire = ScriptedWire(
        {"Responses": {"t": [item(n) for n in range(99)]}, "UnprocessedKeys": left},
        {"Responses": {"t": [item(99)]}},
        {"Responses": {"t": [item(n) for n in range(100, 150)]}},
    )
    found = DynamoTable(wire, "t").batch_get(wanted, consistent=True)
    assert sorted(f["sk"]["S"] for f in found) == [f"{n:03}" for n in range(150)]
    sizes = [len(sent["RequestItems"]["t"]["Keys"]) for _, sent in wire.sent]
    assert sizes == [100, 1, 50]
    assert wire.sent[0][1]["RequestItems"]["t"]["ConsistentRead"] is True
    assert wire.sent[1][1]["RequestItems"] == left


def test_batch_get_never_guesses_about_keys_left_unread():
    left = {"t": {"Keys": [to_attrs({"pk": "P", "sk": "001"})]}}
    wire = ScriptedWire(*[{"UnprocessedKeys": left}] * operations.BATCH_TRIES)
    with pytest.raises(Unavailable, match="unprocessed"):
        DynamoTable(wire, "t").batch_get([{"pk": "P", "sk": "001"}])
    assert len(wire.sent) == operations.BATCH_TRIES


def test_a_passthrough_refusal_reaches_the_operation_and_others_are_typed():
    def put_or_read() -> operations.Operation[str]:
        try:
            yield "PutItem", {"TableName": "t"}
        except DynamoError:
            answer = yield "GetItem", {"TableName": "t"}
            return str(answer["Item"]["sk"]["S"])
        return "written"

    wire = ScriptedWire(refusal("ConditionalCheckFailedException"), {"Item": item(7)})
    table = DynamoTable(wire, "t")
    assert table.run(put_or_read(), ("ConditionalCheckFailedException",)) == "007"
    wire = ScriptedWire(refusal("ConditionalCheckFailedException"))
    with pytest.raises(Conflict):
        DynamoTable(wire, "t").run(put_or_read())


def test_a_missing_table_is_made_and_the_call_tried_again_only_where_allowed():
    made: list[str] = []
    wire = ScriptedWire(refusal("ResourceNotFoundException"), {"Item": item(1)})
    table = DynamoTable(wire, "t", create_missing=lambda: made.append("t"))
    assert table.get({"pk": "P", "sk": "001"}) == item(1)
    assert made == ["t"]
    assert len(wire.sent) == 2
    wire = ScriptedWire(refusal("ResourceNotFoundException"))
    with pytest.raises(TableMissing):
        DynamoTable(wire, "t").get({"pk": "P", "sk": "001"})
