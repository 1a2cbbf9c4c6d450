"""boto3 beside the product's wire: the tests look at the table through an independent client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cruddur.adapters import aws_clients
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.dynamodb.wire import SyncWire

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def client_of(store: ConversationTable) -> DynamoDBClient:
    endpoint = store.table.wire.endpoint
    return aws_clients.dynamodb_client(endpoint.region, endpoint.url)


def control_of(store: ConversationTable) -> SyncWire:
    """A wire of the product's to the store's endpoint, for the control plane (schema.py)."""
    endpoint = store.table.wire.endpoint
    return aws_clients.dynamodb_wire(endpoint.region, endpoint.url)
