"""The table as DESIGN §2 describes it, created idempotently."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from cruddur.adapters.dynamodb import schema as dynamo_schema
from cruddur.errors import Unavailable
from tests.boto import client_of, control_of


def test_table_has_keys_index_and_stream(store):
    table = dynamo_schema.describe(control_of(store), store.table.name)
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "inbox-by-recency"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["pk", "last_message_sk"]
    assert index["Projection"]["ProjectionType"] == "ALL"
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert (
        dynamo_schema.create_table(
            control_of(store), dynamo_schema.table_definition(store.table.name)
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
            dynamo_schema.create_table(control_of(store), dynamo_schema.table_definition(name))
    finally:
        client_of(store).delete_table(TableName=name)


def test_provisioned_is_an_option():
    definition = dynamo_schema.table_definition("t", "PROVISIONED", 7, 3)
    assert definition["ProvisionedThroughput"] == {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3}
    assert (
        definition["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    )


MAKE_AND_FIND = """
import sys
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb import schema
from cruddur.config import Settings

settings = Settings(aws_endpoint_url=sys.argv[1], table_name=sys.argv[2])
wire = AwsClients(settings).wire
assert schema.create_table(wire, schema.table_definition(settings.table_name)) is True
assert schema.stream_arn(wire, settings.table_name).startswith("arn:aws:dynamodb:")
schema.drop_table(wire, settings.table_name)
print("boto3" in sys.modules)  # aws_clients imports it only to make a boto3 client
"""


def test_the_control_plane_rides_the_wire_without_boto3(dynamodb_local):
    # `cruddur up` and the stream poller make and look up the table: with a boto3 client that
    # loaded botocore's DynamoDB model into each (~8 MiB of RSS kept, and start-up time).
    name = f"control-{uuid.uuid4().hex[:10]}"
    done = subprocess.run(
        [sys.executable, "-c", MAKE_AND_FIND, dynamodb_local.endpoint_url, name],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
