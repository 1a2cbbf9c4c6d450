"""The table as DESIGN §2 describes it, created idempotently."""

from __future__ import annotations

import pytest

from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.errors import Unavailable
from tests.boto import client_of


def test_table_has_keys_index_and_stream(store):
    table = dynamo_schema.describe(client_of(store), store.table.name)
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "inbox-by-recency"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["pk", "last_message_sk"]
    assert index["Projection"]["ProjectionType"] == "ALL"
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert (
        dynamo_schema.create_table(
            client_of(store), dynamo_schema.table_definition(store.table.name)
        )
        is False
    )


def test_an_existing_table_with_other_keys_is_reported(store):
    name = store.table.name + "-other"
    client_of(store).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    try:
        with pytest.raises(Unavailable, match="key schema"):
            dynamo_schema.create_table(client_of(store), dynamo_schema.table_definition(name))
    finally:
        client_of(store).delete_table(TableName=name)


def test_provisioned_is_an_option():
    definition = dynamo_schema.table_definition("t", "PROVISIONED", 7, 3)
    assert definition["ProvisionedThroughput"] == {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3}
    assert (
        definition["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    )
