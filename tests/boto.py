"""boto3 beside the product's wire: the tests look at the table through an independent client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cruddur.adapters import aws_clients
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def client_of(store: ConversationTable) -> DynamoDBClient:
    endpoint = store.table.wire.endpoint
    return aws_clients.dynamodb_client(endpoint.region, endpoint.url)
